using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Tests.Seam;

public class SeamToyModelsTests
{
    // (e) a FLUX-style joint-attention toy: text tokens always computed and first in K/V, only image K/V are cached.
    private sealed class ToyJointModel : nn.Module
    {
        private readonly Linear qkv;
        private readonly Linear proj;
        private readonly Linear head;
        private readonly int _heads = 2;

        public ToyJointModel() : base("toy")
        {
            using var g = new Generator(3);
            qkv = nn.Linear(16, 48);
            proj = nn.Linear(16, 16);
            head = nn.Linear(16, 4);
            RegisterComponents();
            using var _ = torch.no_grad();
            foreach (var p in parameters()) p.copy_(torch.randn(p.shape, generator: g).mul(0.3));
        }

        public int ImageKvRows { get; private set; }

        /// <summary>txt [B, L, 16], img [B, N, 16] → (text out [B, L, 16], image out [B, N, 4]).</summary>
        public (Tensor Text, Tensor Image) Forward(Tensor txt, Tensor img, ITransformerHooks hooks)
        {
            using var scope = NewDisposeScope();
            long b = txt.shape[0], l = txt.shape[1];
            var sel = hooks.SelectTokens((int)img.shape[1]);
            var imgSub = sel.Gather(img, 1);                                           // [B, n, 16]
            var x = torch.cat([txt, imgSub], 1);                                       // [B, L + n, 16]
            var (q, k, v) = Split(qkv.call(x));
            var (keys, values, _) = hooks.ExtendKeyValues(0, new KeyValues(k, v, (int)l)); // [B, L + N, H, D], text first
            ImageKvRows = (int)imgSub.shape[1];
            var o = nn.functional.scaled_dot_product_attention(q.transpose(1, 2), keys.transpose(1, 2), values.transpose(1, 2))
                .transpose(1, 2).reshape(b, x.shape[1], 16);
            var y = x.Plus(proj.call(o));
            var text = y.narrow(1, 0, l);
            var image = hooks.ComposeOutput(head.call(y.narrow(1, l, imgSub.shape[1])), sel);
            return (text.MoveToOuterDisposeScope(), image.MoveToOuterDisposeScope());
        }

        private (Tensor, Tensor, Tensor) Split(Tensor t)
        {
            long b = t.shape[0], n = t.shape[1];
            var parts = t.view(b, n, 3, _heads, 8).unbind(2);                          // 3 × [B, n, H, D]
            return (parts[0], parts[1], parts[2]);
        }
    }

    [Fact]
    public void JointAttentionToyCachesOnlyImageKvAndMatchesFullCompute()
    {
        using var _ = torch.no_grad();
        using var model = new ToyJointModel();
        using var txt = TestModels.Randn(1, 1, 5, 16);
        using var img = TestModels.Randn(2, 1, 12, 16);
        var (fullText, fullImage) = model.Forward(txt, img, NullHooks.Instance);
        var levels = TestModels.Levels(12, 9);
        using var partition = new TokenPartition(levels, CPU);
        using var cache = new FrozenKvCache(TestModels.CondOnly);
        using var buffer = new OutputBuffer(TestModels.CondOnly);
        foreach (var level in new[] { 3, 1, 2 })
        {
            var (t, i) = model.Forward(txt, img, new JanoHooks(level, partition, cache, buffer, TestModels.CondOnly));
            Assert.True(TestModels.MaxAbsDiff(fullText, t) < 1e-5, $"text at level {level}");
            Assert.True(TestModels.MaxAbsDiff(fullImage, i) < 1e-5, $"image at level {level}");
            int expectedRows = level == 3 ? 12 : level == 2 ? levels.Count(x => x >= 2) : levels.Count(x => x == 3);
            Assert.Equal(expectedRows, model.ImageKvRows);
        }
        Assert.Equal(12L * 2 * 8 * 4 * 2 - levels.Count(x => x == 3) * 2L * 8 * 4 * 2, cache.Bytes);
    }

    // (e) a toy step-level cache through the same seam: skips the whole block stack and adds a cached residual.
    private sealed class ToyStepSkipHooks : TransformerHooks
    {
        private Tensor? _residual;
        public int BlocksRun { get; private set; }

        public override TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute)
        {
            BlocksRun++;
            return compute(input);
        }

        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
        {
            using var p = probe();
            Assert.Equal(x.shape, p.shape);
            if (_residual is not null) return x.Plus(_residual);
            var y = runBlocks(x);
            _residual = y.sub(x);
            _residual.DetachFromDisposeScope();
            return y;
        }
    }

    [Fact]
    public void StepSkippingToyReusesTheResidualWithoutRunningBlocks()
    {
        using var _ = torch.no_grad();
        using var model = TestModels.TinyDit();
        using var x = TestModels.Randn(4, [1, .. TestModels.TinyLatent]);
        using var c = torch.tensor(new long[] { 1 });
        var hooks = new ToyStepSkipHooks();
        using var t1 = torch.tensor(new float[] { 900f });
        using var t2 = torch.tensor(new float[] { 850f });
        using var first = model.Forward(x, t1, c, hooks);
        Assert.Equal(2, hooks.BlocksRun);
        using var again = model.Forward(x, t1, c, hooks);
        Assert.Equal(2, hooks.BlocksRun);
        Assert.True(TestModels.MaxAbsDiff(first, again) < 1e-6);
        using var skipped = model.Forward(x, t2, c, hooks);
        using var full = model.Forward(x, t2, c, NullHooks.Instance);
        Assert.Equal(2, hooks.BlocksRun);
        Assert.True(TestModels.MaxAbsDiff(skipped, full) > 1e-5);
    }
}
