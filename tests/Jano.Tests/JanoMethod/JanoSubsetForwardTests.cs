using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using Jano.Models.Dit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.JanoMethod;

public class JanoSubsetForwardTests
{
    private static GuidanceBranch[] Rows => TestModels.CondUncond;

    // (b) one latent and timestep: level 3, then 2, then 1. With unchanged inputs every computed row (and every row
    // filled from the buffer) must equal the full forward: exercises cache writes, concat order and RoPE positions.
    [Fact]
    public void LevelThreeThenTwoThenOneMatchTheFullForwardOnTheSameInput()
    {
        using var _ = torch.no_grad();
        using var model = TestModels.TinyDit();
        var d = model.Describe(TestModels.TinyLatent);
        using var x = TestModels.Randn(3, [2, .. TestModels.TinyLatent]);
        using var t = torch.tensor(new float[] { 640f, 640f });
        using var c = torch.tensor(new long[] { 4, 10 });
        using var full = model.Forward(x, t, c, NullHooks.Instance);
        using var partition = new TokenPartition(TestModels.Levels(d.TokenCount, 11), CPU);
        using var cache = new FrozenKvCache(Rows);
        using var buffer = new OutputBuffer(Rows);
        foreach (var level in new[] { 3, 2, 1 })
        {
            var hooks = new JanoHooks(level, partition, cache, buffer, Rows);
            using var y = model.Forward(x, t, c, hooks);
            Assert.True(TestModels.MaxAbsDiff(full, y) < 1e-5, $"level {level}: max diff {TestModels.MaxAbsDiff(full, y)}");
        }
        Assert.True(cache.Bytes > 0);
    }

    // (c) frozen tokens carry stale K/V from an earlier latent. The reference is a plain full forward on the new latent
    // whose K/V rows of frozen tokens are overwritten (index_put) with the K/V recorded on the old latent; it shares no
    // code with the subset path (no gather, no concat, no cache).
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SubsetForwardWithStaleKvEqualsFullForwardWithStaleRowsPutBack(int level)
    {
        using var _ = torch.no_grad();
        using var model = TestModels.TinyDit();
        var d = model.Describe(TestModels.TinyLatent);
        var levels = TestModels.Levels(d.TokenCount, 5);
        using var x1 = TestModels.Randn(21, [2, .. TestModels.TinyLatent]);
        using var x2 = TestModels.Randn(22, [2, .. TestModels.TinyLatent]);
        using var t1 = torch.tensor(new float[] { 800f, 800f });
        using var t2 = torch.tensor(new float[] { 760f, 760f });
        using var c = torch.tensor(new long[] { 2, 10 });

        // Jano: level 3 on x1 fills the caches, then a cheap step on x2.
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(Rows);
        using var buffer = new OutputBuffer(Rows);
        using var jano3 = model.Forward(x1, t1, c, new JanoHooks(3, partition, cache, buffer, Rows));
        using var janoCheap = model.Forward(x2, t2, c, new JanoHooks(level, partition, cache, buffer, Rows));

        // Reference: record full K/V on x1, then a full forward on x2 with frozen rows replaced by the recorded ones.
        var recorder = new StaleKvReferenceHooks();
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
        Assert.True(TestModels.MaxAbsDiff(janoTokens.index_select(1, idx), refTokens.index_select(1, idx)) < 1e-5);
        // rows not computed keep the level-3 output
        Assert.True(TestModels.BitEqual(janoTokens.index_select(1, frozenIdx), j3Tokens.index_select(1, frozenIdx)));
        // and the stale K/V mattered: a fully fresh forward differs on the computed rows
        using var fresh = model.Forward(x2, t2, c, NullHooks.Instance);
        using var freshTokens = Tokens(fresh);
        Assert.True(TestModels.MaxAbsDiff(freshTokens.index_select(1, idx), refTokens.index_select(1, idx)) > 1e-4);
        recorder.Dispose();
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
            var nk = k.clone();
            var nv = v.clone();
            foreach (var r in _replace)
            {
                nk[TensorIndex.Colon, TensorIndex.Single(r)] = sk[TensorIndex.Colon, TensorIndex.Single(r)];
                nv[TensorIndex.Colon, TensorIndex.Single(r)] = sv[TensorIndex.Colon, TensorIndex.Single(r)];
            }
            return new KeyValues(nk, nv);
        }

        public void Dispose()
        {
            foreach (var (k, v) in _recorded.Values) { k.Dispose(); v.Dispose(); }
        }
    }
}
