using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Weights;
using Jano.Models.Flux;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>The tiny FLUX transformer against the official forward (fp32, CPU): dit-tiny-io.safetensors.</summary>
public class FluxDitGoldenTests(ITestOutputHelper log)
{
    private const string Io = "dit-tiny-io.safetensors";

    private sealed class Inputs : IDisposable
    {
        public Tensor Latent { get; } = FluxFixtures.Read(Io, "input.latent");
        public Tensor T { get; } = FluxFixtures.Read(Io, "input.t");
        public Tensor Guidance { get; } = FluxFixtures.Read(Io, "input.guidance");
        public Tensor Txt { get; } = FluxFixtures.Read(Io, "input.txt");
        public Tensor Vec { get; } = FluxFixtures.Read(Io, "input.vec");

        /// <summary>σ·1000 in fp32, as the official <c>time_factor * t</c>.</summary>
        public Tensor Scaled() => T.mul(1000.0);

        public DiffusionCondition Condition(bool guidance = true) => new() { TextEmbeddings = Txt, PooledText = Vec, Guidance = guidance ? Guidance : null };

        public void Dispose()
        {
            Latent.Dispose(); T.Dispose(); Guidance.Dispose(); Txt.Dispose(); Vec.Dispose();
        }
    }

    [Fact]
    public void ForwardMatchesTheOfficialOutput()
    {
        using var _ = torch.no_grad();
        using var model = FluxFixtures.TinyModel();
        using var inp = new Inputs();
        using var t = inp.Scaled();
        using var expected = FluxFixtures.Read(Io, "output");
        using var y = model.Forward(inp.Latent, t, inp.Condition(), NullHooks.Instance);
        Assert.Equal(expected.shape, y.shape);
        float diff = TestModels.MaxAbsDiff(expected, y);
        log.WriteLine($"output max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
        using var scale = expected.abs().max();
        Assert.True(scale.item<float>() > 0.5f);
    }

    [Fact]
    public void SchnellForwardMatchesTheOfficialOutputWithoutGuidance()
    {
        using var _ = torch.no_grad();
        var cfg = FluxFixtures.TinyConfig with { GuidanceEmbed = false };
        using var model = FluxFixtures.TinyModel(cfg);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("guidance_in", StringComparison.Ordinal));
        using var inp = new Inputs();
        using var t = inp.Scaled();
        using var expected = FluxFixtures.Read(Io, "output_schnell");
        using var y = model.Forward(inp.Latent, t, inp.Condition(guidance: false), NullHooks.Instance);
        float diff = TestModels.MaxAbsDiff(expected, y);
        log.WriteLine($"schnell output max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
        // the guidance embedding matters for dev: the two official outputs differ
        using var dev = FluxFixtures.Read(Io, "output");
        Assert.True(TestModels.MaxAbsDiff(dev, expected) > 1e-2);
    }

    [Fact]
    public void FiveDimensionalLatentGivesTheSameOutputAndSuppliedPositionIdsAreRejected()
    {
        using var _ = torch.no_grad();
        using var model = FluxFixtures.TinyModel();
        using var inp = new Inputs();
        using var t = inp.Scaled();
        var cond = inp.Condition();
        using var a = model.Forward(inp.Latent, t, cond, NullHooks.Instance);
        using var ids = torch.zeros(2, 5, 3);
        var ex = Assert.Throws<ArgumentException>(() => model.Forward(inp.Latent, t, cond with { TextIds = ids }, NullHooks.Instance));
        Assert.Contains("position ids", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.Forward(inp.Latent, t, cond with { PooledText = null }, NullHooks.Instance));
        // a 5-D latent [B, C, 1, H, W] gives the same velocity with the frame axis kept
        using var latent5 = inp.Latent.unsqueeze(2);
        using var c = model.Forward(latent5, t, cond, NullHooks.Instance);
        Assert.Equal(new long[] { 2, 16, 1, 8, 6 }, c.shape);
        using var c4 = c.squeeze(2);
        Assert.True(TestModels.BitEqual(a, c4));
    }

    [Fact]
    public void WeightsLoadStrictlyByTheOfficialNames()
    {
        using var _ = torch.no_grad();
        string dir = Directory.CreateTempSubdirectory("flux-dit-").FullName;
        try
        {
            using var source = new FluxModel(FluxFixtures.TinyConfig);
            var weights = FluxFixtureWeights.StateDict(source);
            string file = Path.Combine(dir, "flux1-dev.safetensors");
            SafetensorsWriter.Save(file, weights);
            foreach (var w in weights.Values) w.Dispose();

            using var model = new FluxModel(FluxFixtures.TinyConfig);
            var report = WeightLoader.LoadInto(model, [file]);
            Assert.Equal(model.state_dict().Count, report.Tensors);
            model.eval();
            using var inp = new Inputs();
            using var t = inp.Scaled();
            using var expected = FluxFixtures.Read(Io, "output");
            using var y = model.Forward(inp.Latent, t, inp.Condition(), NullHooks.Instance);
            Assert.True(TestModels.MaxAbsDiff(expected, y) <= 1e-4);

            using var wrong = new FluxModel(FluxFixtures.TinyConfig with { MlpRatio = 3.0 });
            var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(wrong, [file]));
            Assert.Contains("img_mlp.0.weight", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
