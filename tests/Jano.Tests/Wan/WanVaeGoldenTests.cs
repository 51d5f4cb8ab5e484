using Jano.Core.Weights;
using Jano.Models.Wan.Vae;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>The Wan2.1 VAE against the official wan/modules/vae.py (scripts/fixtures/make_wan_vae_fixtures.py):
/// released-config keys, and decode / encode of a tiny seeded VAE (fp32, CPU) with the official chunked cache.</summary>
public class WanVaeGoldenTests(ITestOutputHelper log)
{
    private const string Io = "vae-tiny-io.safetensors";

    /// <summary>The script's TINY config.</summary>
    private static WanVaeConfig Tiny { get; } = new() { Dim = 8, ZDim = 16 };

    private static WanVae TinyVae(string file = "vae-tiny.safetensors")
    {
        var vae = new WanVae(Tiny);
        WeightLoader.LoadInto(vae, [WanFixtures.PathOf(file)]);
        vae.eval();
        return vae;
    }

    [Fact]
    public void Released_config_has_exactly_the_official_keys_and_shapes()
    {
        var expected = WanFixtures.Keys("vae-keys-full.txt");
        using var vae = new WanVae(WanVaeConfig.Wan21, torch.META);
        var actual = vae.state_dict();
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var wrong = expected.Where(kv => actual.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value)).Select(kv => kv.Key).ToList();
        Assert.True(missing.Count + unexpected.Count + wrong.Count == 0,
            $"missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", unexpected)}]; wrong shape [{string.Join(", ", wrong)}]");
        Assert.Equal(194, actual.Count);
        Assert.Equal(126_892_531L, actual.Values.Sum(t => t.numel()));
    }

    [Theory]
    [InlineData("z", "decoded")]
    [InlineData("z1", "decoded1")]
    public void Decode_matches_the_official_code(string input, string output)
    {
        using var vae = TinyVae();
        using var z = WanFixtures.Read(Io, input);
        using var expected = WanFixtures.Read(Io, output);
        using var y = vae.Decode(z, clamp: false);
        Assert.Equal(expected.shape, y.shape);
        float diff = TestModels.MaxAbsDiff(expected, y);
        log.WriteLine($"decode {input}: max abs diff {diff:E2} (|y| max {expected.abs().max().item<float>():F3})");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
    }

    [Fact]
    public void Decode_clamps_like_WanVAE()
    {
        using var vae = TinyVae();
        using var z = WanFixtures.Read(Io, "z");
        using var expected = WanFixtures.Read(Io, "decoded_clamped");
        using var y = vae.Decode(z);
        Assert.True(TestModels.MaxAbsDiff(expected, y) <= 1e-4);
        Assert.True(y.abs().max().item<float>() <= 1f);
    }

    [Theory]
    [InlineData("video", "mu")]
    [InlineData("video1", "mu1")]
    public void Encode_mean_matches_the_official_code(string input, string output)
    {
        using var vae = TinyVae();
        using var video = WanFixtures.Read(Io, input);
        using var expected = WanFixtures.Read(Io, output);
        using var mu = vae.Encode(video);
        Assert.Equal(expected.shape, mu.shape);
        float diff = TestModels.MaxAbsDiff(expected, mu);
        log.WriteLine($"encode {input}: max abs diff {diff:E2} (|mu| max {expected.abs().max().item<float>():F3})");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
    }

    [Fact]
    public void Pth_weights_load_strictly_and_equal_the_safetensors_ones()
    {
        using var a = TinyVae();
        using var b = TinyVae("vae-tiny.pth");
        var sa = a.state_dict();
        foreach (var (key, value) in b.state_dict())
            Assert.True(TestModels.MaxAbsDiff(sa[key], value) == 0, key);
    }

    [Fact]
    public void Chunked_cache_matters_later_frames_depend_on_earlier_latents()
    {
        using var vae = TinyVae();
        using var z = WanFixtures.Read(Io, "z");
        using var full = vae.Decode(z, clamp: false);
        using var z2 = z.clone();
        using (torch.no_grad()) z2.narrow(2, 0, 1).zero_();
        using var changed = vae.Decode(z2, clamp: false);
        using var lastA = full.narrow(2, 5, 4);
        using var lastB = changed.narrow(2, 5, 4);
        Assert.True(TestModels.MaxAbsDiff(lastA, lastB) > 1e-3, "the last latent's frames ignore the first latent");
    }

    [Fact]
    public void Repeated_encode_and_decode_leave_the_live_tensor_count_flat()
    {
        using var vae = TinyVae();
        using var z = WanFixtures.Read(Io, "z");
        using var video = WanFixtures.Read(Io, "video");
        void Once()
        {
            using var y = vae.Decode(z);
            using var mu = vae.Encode(video);
        }
        Once();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 2; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
