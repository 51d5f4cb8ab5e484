using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>Jano's subset forward (token gather, frozen K/V cache, output buffer) on the tiny Wan model.</summary>
public class WanJanoSubsetForwardTests(ITestOutputHelper log)
{
    private const string Io = "dit-tiny-io.safetensors";

    // One input, levels 3 then 2 then 1: with unchanged inputs every computed row (and every row filled from the
    // buffer) must equal the full forward — cache writes, concat order and RoPE positions of the subset.
    [Fact]
    public void LevelThreeThenTwoThenOneMatchTheFullForwardOnTheSameInput()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        var d = model.Describe(WanFixtures.TinyLatent);
        Assert.Equal(48, d.TokenCount);
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var c = WanFixtures.Read(Io, "input.context");
        using var full = model.Forward(x, t, c, NullHooks.Instance);
        var levels = TestModels.Levels(d.TokenCount, 11);
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(TestModels.CondUncond);
        using var buffer = new OutputBuffer(TestModels.CondUncond);
        foreach (var level in new[] { 3, 2, 1 })
        {
            var hooks = new JanoHooks(level, partition, cache, buffer, TestModels.CondUncond);
            using var y = model.Forward(x, t, c, hooks);
            int expectedRows = level switch { 3 => levels.Length, 2 => levels.Count(l => l > 1), _ => levels.Count(l => l == 3) };
            Assert.Equal(expectedRows, hooks.LastSelected);
            float diff = TestModels.MaxAbsDiff(full, y);
            log.WriteLine($"level {level}: {hooks.LastSelected} rows, max abs diff {diff:E2}");
            Assert.True(diff < 1e-5, $"level {level}: max diff {diff}");
        }
        Assert.True(cache.Bytes > 0);
    }

    // The subset path really drops frozen K/V when the cache is wrong: a level-1 step on a new latent differs from the
    // full forward on it (otherwise the test above could pass with a model that ignores the seam).
    [Fact]
    public void CheapStepOnANewLatentUsesTheStaleCache()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        var d = model.Describe(WanFixtures.TinyLatent);
        using var x = WanFixtures.Read(Io, "input.x");
        using var x2 = x.mul(0.5);
        using var t = WanFixtures.Read(Io, "input.t");
        using var c = WanFixtures.Read(Io, "input.context");
        using var partition = new TokenPartition(TestModels.Levels(d.TokenCount, 11), CPU);
        using var cache = new FrozenKvCache(TestModels.CondUncond);
        using var buffer = new OutputBuffer(TestModels.CondUncond);
        using (model.Forward(x, t, c, new JanoHooks(3, partition, cache, buffer, TestModels.CondUncond))) { }
        using var cheap = model.Forward(x2, t, c, new JanoHooks(1, partition, cache, buffer, TestModels.CondUncond));
        using var fresh = model.Forward(x2, t, c, NullHooks.Instance);
        Assert.True(TestModels.MaxAbsDiff(cheap, fresh) > 1e-3);
    }

    // Frozen tokens carry stale K/V from an earlier latent. The reference is a plain full forward on the new latent whose
    // K/V rows of frozen tokens are overwritten with the K/V recorded on the old latent; it shares no code with the subset
    // path (no gather, no concat, no cache).
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SubsetForwardWithStaleKvEqualsFullForwardWithStaleRowsPutBack(int level)
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        var d = model.Describe(WanFixtures.TinyLatent);
        var levels = TestModels.Levels(d.TokenCount, 5);
        using var x1 = WanFixtures.Read(Io, "input.x");
        using var x2 = TestModels.Randn(22, [2, .. WanFixtures.TinyLatent]);
        using var t1 = torch.tensor(new float[] { 800f, 800f });
        using var t2 = torch.tensor(new float[] { 760f, 760f });
        using var c = WanFixtures.Read(Io, "input.context");

        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(TestModels.CondUncond);
        using var buffer = new OutputBuffer(TestModels.CondUncond);
        using var jano3 = model.Forward(x1, t1, c, new JanoHooks(3, partition, cache, buffer, TestModels.CondUncond));
        using var janoCheap = model.Forward(x2, t2, c, new JanoHooks(level, partition, cache, buffer, TestModels.CondUncond));

        using var recorder = new StaleKvReferenceHooks();
        using (model.Forward(x1, t1, c, recorder)) { }
        var frozen = Enumerable.Range(0, levels.Length).Where(i => level == 1 ? levels[i] < 3 : levels[i] == 1).ToArray();
        recorder.StartReplacing(frozen);
        using var reference = model.Forward(x2, t2, c, recorder);

        var computed = Enumerable.Range(0, levels.Length).Where(i => !frozen.Contains(i)).ToArray();
        using var janoTokens = Tokens(janoCheap);
        using var refTokens = Tokens(reference);
        using var j3Tokens = Tokens(jano3);
        using var idx = torch.tensor(computed.Select(i => (long)i).ToArray());
        using var frozenIdx = torch.tensor(frozen.Select(i => (long)i).ToArray());
        using var a = janoTokens.index_select(1, idx);
        using var b = refTokens.index_select(1, idx);
        float diff = TestModels.MaxAbsDiff(a, b);
        log.WriteLine($"stale K/V, level {level}: computed rows max abs diff {diff:E2}");
        Assert.True(diff < 1e-5, $"max abs diff {diff}");
        using var kept = janoTokens.index_select(1, frozenIdx);
        using var kept3 = j3Tokens.index_select(1, frozenIdx);
        Assert.True(TestModels.BitEqual(kept, kept3)); // rows not computed keep the level-3 output
        using var fresh = model.Forward(x2, t2, c, NullHooks.Instance);
        using var freshTokens = Tokens(fresh);
        using var f = freshTokens.index_select(1, idx);
        Assert.True(TestModels.MaxAbsDiff(f, b) > 1e-4); // and the stale K/V mattered
    }

    // [B, C, T, H, W] → [B, N, C·2·2] in patch-embedding order, independent of the model's unpatchify.
    private static Tensor Tokens(Tensor y)
    {
        long b = y.shape[0], c = y.shape[1], t = y.shape[2], h = y.shape[3] / 2, w = y.shape[4] / 2;
        return y.view(b, c, t, h, 2, w, 2).permute(0, 2, 3, 5, 1, 4, 6).reshape(b, t * h * w, c * 4);
    }

    private sealed class StaleKvReferenceHooks : TransformerHooks, IDisposable
    {
        private readonly Dictionary<int, (Tensor K, Tensor V)> _recorded = new();
        private long[]? _replace;

        public void StartReplacing(int[] rows) => _replace = rows.Select(r => (long)r).ToArray();

        public override KeyValues ExtendKeyValues(int layer, KeyValues kv)
        {
            var (k, v, _) = kv;
            if (_replace is null)
            {
                var (rk, rv) = (k.clone(), v.clone());
                rk.DetachFromDisposeScope();
                rv.DetachFromDisposeScope();
                _recorded[layer] = (rk, rv);
                return kv;
            }
            var (sk, sv) = _recorded[layer];
            using var rows = torch.tensor(_replace);
            var nk = k.clone();
            var nv = v.clone();
            nk.index_copy_(1, rows, sk.index_select(1, rows));
            nv.index_copy_(1, rows, sv.index_select(1, rows));
            return new KeyValues(nk, nv);
        }

        public void Dispose()
        {
            foreach (var (k, v) in _recorded.Values) { k.Dispose(); v.Dispose(); }
        }
    }
}
