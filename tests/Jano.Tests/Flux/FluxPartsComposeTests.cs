using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Sampling;
using Jano.Engine.Pipelines;
using Jano.Models.Flux;
using Jano.Models.Flux.Autoencoder;
using Jano.Models.Flux.TextEncoders;
using Jano.Models.Wan.TextEncoder;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>The FLUX parts fit together as the official <c>prepare()</c> + <c>denoise()</c> + <c>unpack</c> + <c>ae.decode</c>
/// use them: tokenizers → CLIP pooled + T5 states → transformer steps on the ResolutionShiftSchedule levels → VAE decode (no pipeline
/// code; the pipeline is wired elsewhere).</summary>
public sealed class FluxPartsComposeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flux-compose-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void PromptToImageThroughEveryPartIsFiniteDeterministicAndPromptDependent()
    {
        using var _ = torch.no_grad();
        var layout = FluxCheckpointLayout.Of(FluxTestFolders.Write(_root, diffusers: true));
        using var dit = new FluxModel(layout.ReadTransformerConfig());
        layout.LoadTransformer(dit);
        using var vae = new FluxAutoEncoder(layout.ReadVaeConfig());
        layout.LoadVae(vae);
        using var clip = new ClipTextModel(layout.ReadClipConfig());
        layout.LoadClip(clip);
        using var t5 = new UmT5Encoder(layout.ReadT5Config());
        layout.LoadT5(t5);
        var clipTok = layout.LoadClipTokenizer();
        var t5Tok = layout.LoadT5Tokenizer(16);

        Tensor Generate(string prompt)
        {
            using var scope = NewDisposeScope();
            var (_, pooled) = clip.Forward(clipTok.EncodeBatch([prompt]));            // [1, 16]
            var txt = t5.Forward(t5Tok.EncodeBatch([prompt]), mask: null);           // [1, 16, 24], no mask as the official
            var cond = new DiffusionCondition { TextEmbeddings = txt, PooledText = pooled, Guidance = torch.tensor(new[] { 3.5f }) };
            using var g = new Generator(42);
            var x = torch.randn([1, 16, 8, 6], generator: g);                         // latent of a 32×24 image (4× VAE here)
            var sigmas = new ResolutionShiftSchedule().Build(3, imageTokens: 4 * 3).Sigmas;
            for (int i = 0; i < 3; i++)
            {
                var t = torch.full([1], (float)(sigmas[i] * 1000.0));
                var v = dit.Forward(x, t, cond, NullHooks.Instance);
                x = x.add(v, alpha: sigmas[i + 1] - sigmas[i]);                        // img + (t_prev − t_curr)·pred
            }
            return vae.Decode(x).MoveToOuterDisposeScope();                           // [1, 3, 32, 24]
        }

        using var a = Generate("a photo of a cat");
        using var b = Generate("a photo of a cat");
        using var c = Generate("a red fox in the snow");
        Assert.Equal(new long[] { 1, 3, 32, 24 }, a.shape);
        using var finite = a.isfinite().all();
        Assert.True(finite.item<bool>());
        Assert.True(TestModels.BitEqual(a, b));
        Assert.True(TestModels.MaxAbsDiff(a, c) > 1e-4);
    }
}
