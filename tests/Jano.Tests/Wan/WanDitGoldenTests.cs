using Jano.Core.Acceleration;
using Jano.Core.Weights;
using Jano.Models.Wan;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>The tiny Wan model against the official forward (fp32, CPU): dit-tiny.safetensors / dit-tiny-io.safetensors.</summary>
public class WanDitGoldenTests(ITestOutputHelper log)
{
    private const string Io = "dit-tiny-io.safetensors";

    [Fact]
    public void ForwardMatchesTheOfficialOutput()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var context = WanFixtures.Read(Io, "input.context");
        using var expected = WanFixtures.Read(Io, "output");
        using var y = model.Forward(x, t, context, NullHooks.Instance);
        Assert.Equal(expected.shape, y.shape);
        float diff = TestModels.MaxAbsDiff(expected, y);
        log.WriteLine($"output max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
        // the output is not trivially small, so the bound means something
        using var scale = expected.abs().max();
        Assert.True(scale.item<float>() > 0.5f);
    }

    // Block i's output is the block-stack output of the model cut after block i (its first i + 1 blocks' weights).
    [Fact]
    public void EveryBlockOutputMatchesTheOfficialOne()
    {
        using var _ = torch.no_grad();
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var context = WanFixtures.Read(Io, "input.context");
        for (int i = 0; i < WanFixtures.TinyConfig.NumLayers; i++)
        {
            int kept = i + 1;
            using var model = new WanModel(WanFixtures.TinyConfig with { NumLayers = kept });
            WeightLoader.LoadInto(model, [WanFixtures.PathOf("dit-tiny.safetensors")],
                skip: name => name.StartsWith("blocks.", StringComparison.Ordinal) && int.Parse(name.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture) >= kept);
            model.eval();
            var recorder = new StackRecorder();
            using (model.Forward(x, t, context, recorder)) { }
            using var expected = WanFixtures.Read(Io, $"block_out.{i}");
            float diff = TestModels.MaxAbsDiff(expected, recorder.Output!);
            log.WriteLine($"block {i} max abs diff {diff:E2}");
            Assert.True(diff <= 1e-4, $"block {i}: max abs diff {diff}");
            recorder.Output!.Dispose();
        }
    }

    [Fact]
    public void ShorterContextIsZeroPaddedToTextLen()
    {
        using var _ = torch.no_grad();
        using var model = WanFixtures.TinyModel();
        using var x = WanFixtures.Read(Io, "input.x");
        using var t = WanFixtures.Read(Io, "input.t");
        using var context = WanFixtures.Read(Io, "input.context");                 // [B, 5, text_dim]
        using var padded = torch.cat([context, torch.zeros([2, 3, 32])], 1);       // [B, 8, text_dim]
        using var a = model.Forward(x, t, context, NullHooks.Instance);
        using var b = model.Forward(x, t, padded, NullHooks.Instance);
        Assert.True(TestModels.MaxAbsDiff(a, b) < 1e-6);
        using var tooLong = torch.zeros([2, 9, 32]);
        Assert.Throws<ArgumentException>(() => model.Forward(x, t, tooLong, NullHooks.Instance));
    }

    [Fact]
    public void StrictLoadingRejectsAWrongConfig()
    {
        using var model = new WanModel(WanFixtures.TinyConfig with { FfnDim = 64 });
        var ex = Assert.Throws<WeightFileException>(() => WeightLoader.LoadInto(model, [WanFixtures.PathOf("dit-tiny.safetensors")]));
        Assert.Contains("ffn.0.weight", ex.Message);
    }

    private sealed class StackRecorder : TransformerHooks
    {
        public Tensor? Output { get; private set; }

        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
        {
            var y = runBlocks(x);
            Output = y.clone();
            Output.DetachFromDisposeScope();
            return y;
        }
    }
}
