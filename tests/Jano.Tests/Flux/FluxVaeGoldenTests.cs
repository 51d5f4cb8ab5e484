using Jano.Core.Weights;
using Jano.Models.Flux.Autoencoder;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>FLUX's VAE against the official AutoEncoder (fp32, CPU): vae-tiny-io.safetensors; keys of the released VAE.</summary>
public class FluxVaeGoldenTests(ITestOutputHelper log)
{
    private const string Io = "vae-tiny-io.safetensors";

    /// <summary>The script's TINY_AE: widths 32/64/64, one resnet block per level, 16 latent channels, 4× downsampling.</summary>
    internal static FluxVaeConfig TinyConfig { get; } = new() { Resolution = 32, Ch = 32, ChMult = [1, 2, 2], NumResBlocks = 1 };

    internal static FluxAutoEncoder TinyVae()
    {
        var vae = new FluxAutoEncoder(TinyConfig);
        FluxFixtureWeights.Fill(vae);
        vae.eval();
        return vae;
    }

    [Fact]
    public void EncodeMatchesTheOfficialScaledMean()
    {
        using var _ = torch.no_grad();
        using var vae = TinyVae();
        using var image = FluxFixtures.Read(Io, "input.image");
        using var expected = FluxFixtures.Read(Io, "encoded");
        using var z = vae.Encode(image);
        Assert.Equal(expected.shape, z.shape);
        float diff = TestModels.MaxAbsDiff(expected, z);
        log.WriteLine($"encode max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
        using var scale = expected.abs().max();
        Assert.True(scale.item<float>() > 0.1f);
    }

    [Theory]
    [InlineData("encoded", "decoded")]
    [InlineData("decoded_input", "decoded_random")]
    public void DecodeMatchesTheOfficialOutput(string input, string output)
    {
        using var _ = torch.no_grad();
        using var vae = TinyVae();
        using var z = FluxFixtures.Read(Io, input);
        using var expected = FluxFixtures.Read(Io, output);
        using var x = vae.Decode(z);
        Assert.Equal(expected.shape, x.shape);
        float diff = TestModels.MaxAbsDiff(expected, x);
        log.WriteLine($"decode {input} max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
    }

    [Fact]
    public void ReleasedVaeHasExactlyTheOfficialKeysAndShapes()
    {
        var expected = FluxFixtures.Keys("keys-ae.txt");
        using var vae = new FluxAutoEncoder(FluxVaeConfig.Flux1, torch.META);
        var actual = vae.state_dict();
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var wrong = expected.Where(kv => actual.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value)).Select(kv => kv.Key).ToList();
        Assert.True(missing.Count + unexpected.Count + wrong.Count == 0,
            $"missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", unexpected)}]; wrong shape [{string.Join(", ", wrong)}]");
        Assert.Equal(83_819_683L, expected.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal((16, 0.3611, 0.1159, 8), (FluxVaeConfig.Flux1.ZChannels, FluxVaeConfig.Flux1.ScaleFactor, FluxVaeConfig.Flux1.ShiftFactor,
            FluxVaeConfig.Flux1.Downsampling));
    }

    [Fact]
    public void WeightsLoadStrictlyAndBadInputsAreRejected()
    {
        using var _ = torch.no_grad();
        string dir = Directory.CreateTempSubdirectory("flux-vae-").FullName;
        try
        {
            using var source = new FluxAutoEncoder(TinyConfig);
            var weights = FluxFixtureWeights.StateDict(source);
            string file = Path.Combine(dir, "ae.safetensors");
            SafetensorsWriter.Save(file, weights);
            foreach (var w in weights.Values) w.Dispose();
            using var vae = new FluxAutoEncoder(TinyConfig);
            WeightLoader.LoadInto(vae, [file]);
            vae.eval();
            using var z = FluxFixtures.Read(Io, "encoded");
            using var expected = FluxFixtures.Read(Io, "decoded");
            using var x = vae.Decode(z);
            Assert.True(TestModels.MaxAbsDiff(expected, x) <= 1e-4);
            using var odd = torch.zeros(1, 3, 30, 24);
            Assert.Throws<ArgumentException>(() => vae.Encode(odd));
            using var wrongZ = torch.zeros(1, 4, 8, 6);
            Assert.Throws<ArgumentException>(() => vae.Decode(wrongZ));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
