using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Tests.Seam;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Contract;

/// <summary>The FLUX-shaped toy through the seam: every point in order, text tokens always computed and first in K/V, only
/// image tokens selected and cached.</summary>
public class FluxToyModelTests
{
    private static readonly long[] Latent = [FluxToyModel.Channels, 1, 8, 8];

    [Fact]
    public void PassThroughHooksAreBitIdenticalAndEveryPointIsCalledInOrder()
    {
        using var _ = torch.no_grad();
        using var model = new FluxToyModel();
        var cond = FluxToyModel.Condition(3);
        using var x = TestModels.Randn(1, [1, .. Latent]);
        using var t = torch.tensor(new float[] { 600f });
        using var plain = model.Forward(x, t, cond, NullHooks.Instance);
        var recorder = new SeamPassThroughHooks();
        using var passThrough = model.Forward(x, t, cond, recorder);
        Assert.True(TestModels.BitEqual(plain, passThrough));
        Assert.Equal(x.shape, plain.shape);
        var expected = new List<string> { "select", "stack" };
        for (int l = 0; l < FluxToyModel.DoubleBlocks + FluxToyModel.SingleBlocks; l++) expected.AddRange([$"Joint{l}", $"kvin{l}", $"kv{l}", $"mlp{l}"]);
        expected.Add("compose");
        Assert.Equal(expected, recorder.Calls);
        Assert.Throws<ArgumentException>(() => model.Forward(x, t, DiffusionCondition.ForClasses(t), NullHooks.Instance));
        cond.TextEmbeddings!.Dispose();
        cond.PooledText!.Dispose();
    }

    // With the same input at every level, frozen image K/V equal fresh ones: Jano's cheap steps must reproduce the full
    // output exactly up to float rounding, and the text stream (always computed) with it.
    [Theory]
    [InlineData(JanoCacheMode.Kv)]
    [InlineData(JanoCacheMode.Hidden)]
    public void JanoOnTheToyCachesOnlyImageRowsAndMatchesFullComputeOnAStillInput(JanoCacheMode mode)
    {
        using var _ = torch.no_grad();
        using var model = new FluxToyModel();
        var cond = FluxToyModel.Condition(5);
        using var x = TestModels.Randn(2, [1, .. Latent]);
        using var t = torch.tensor(new float[] { 400f });
        using var full = model.Forward(x, t, cond, NullHooks.Instance);
        var levels = TestModels.Levels(16, 9);
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(TestModels.CondOnly);
        using var buffer = new OutputBuffer(TestModels.CondOnly);
        var kvRows = new KvRowRecorder();
        foreach (var level in new[] { 3, 1, 2 })
        {
            var hooks = new JanoHooks(level, partition, cache, buffer, TestModels.CondOnly, mode);
            using var y = model.Forward(x, t, cond, new Observed(hooks, kvRows));
            Assert.True(TestModels.MaxAbsDiff(full, y) < 1e-5, $"level {level}");
            Assert.All(kvRows.TextRows, r => Assert.Equal(FluxToyModel.TextTokens, r));
            Assert.All(kvRows.Rows, r => Assert.Equal(FluxToyModel.TextTokens + 16, r)); // text + every image token, cached or fresh
            kvRows.Clear();
        }
        int frozen = levels.Count(l => l < 3), layers = FluxToyModel.DoubleBlocks + FluxToyModel.SingleBlocks;
        long perRow = mode == JanoCacheMode.Kv ? 2L * FluxToyModel.Dim : FluxToyModel.Dim; // K and V, or the attention input
        Assert.Equal(layers * frozen * perRow * sizeof(float), cache.Bytes);
        cond.TextEmbeddings!.Dispose();
        cond.PooledText!.Dispose();
    }

    private sealed class KvRowRecorder
    {
        public List<int> TextRows { get; } = [];
        public List<long> Rows { get; } = [];

        public void Clear()
        {
            TextRows.Clear();
            Rows.Clear();
        }
    }

    // Records the K/V the wrapped hooks hand to attention.
    private sealed class Observed(ITransformerHooks inner, KvRowRecorder rows) : DelegatingHooks(inner)
    {
        public override KeyValues ExtendKeyValues(int layer, KeyValues kv)
        {
            var result = Inner.ExtendKeyValues(layer, kv);
            rows.TextRows.Add(result.TextTokens);
            rows.Rows.Add(result.K.shape[1]);
            return result;
        }
    }
}
