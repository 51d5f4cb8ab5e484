using System.Text.Json;
using Jano.Core.Weights;
using Jano.Engine.Jobs;
using Jano.Models.Wan;
using Jano.Models.Wan.TextEncoder;
using Jano.Models.Wan.Vae;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>
/// Opt-in (never in CI): with <c>JANO_WAN_RANDOM_CHECKPOINT=DIR</c> set, writes an official-layout Wan2.1-T2V-1.3B folder
/// with seeded random weights at the real dimensions (umT5-XXL encoder 5.68 B parameters as a bf16 torch zip <c>.pth</c>,
/// the 1.3B DiT as bf16 safetensors, the released VAE structure in fp32, the test SentencePiece model as tokenizer) and
/// <c>text_len</c> = <c>JANO_WAN_TEXT_LEN</c> (default 16, to keep the CPU encode short; it changes no weight shape).
/// <c>scripts/wan-t5-peak.sh</c> uses it to measure the peak RSS of <c>jano generate</c>'s load order. Without the variable
/// the test returns at once.
/// </summary>
public class WanRandomCheckpointTests
{
    [Fact]
    public void WriteRealDimensionRandomCheckpointWhenRequested()
    {
        var dir = Environment.GetEnvironmentVariable("JANO_WAN_RANDOM_CHECKPOINT");
        if (string.IsNullOrEmpty(dir)) return;
        int textLen = int.TryParse(Environment.GetEnvironmentVariable("JANO_WAN_TEXT_LEN"), out var l) ? l : 16;
        Directory.CreateDirectory(Path.Combine(dir, "google", "umt5-xxl"));
        using var _ = torch.no_grad();
        var config = WanConfig.T2V_1_3B with { TextLen = textLen };
        File.WriteAllText(Path.Combine(dir, InspectJob.ConfigFile), JsonSerializer.Serialize(config));
        File.Copy(WanFixtures.PathOf("spm-tiny.model"), Path.Combine(dir, "google", "umt5-xxl", "spiece.model"), overwrite: true);

        // umT5-XXL: shapes from the encoder built on meta, each tensor drawn only when it is written.
        List<(string Name, long[] Shape)> t5Keys;
        using (var meta = new UmT5Encoder(UmT5Config.Xxl, torch.META, ScalarType.BFloat16))
            t5Keys = meta.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
        using (var g = new Generator(5))
            WanTestPthWriter.WriteStreaming(Path.Combine(dir, InspectJob.T5File), t5Keys, ScalarType.BFloat16,
                i => t5Keys[i].Name.Contains("norm") ? torch.ones(t5Keys[i].Shape, ScalarType.BFloat16)
                    : torch.randn(t5Keys[i].Shape, ScalarType.BFloat16, generator: g).mul_(0.02));

        manual_seed(6);
        using (var dit = new WanModel(config, CPU, ScalarType.BFloat16))
            WeightLoader.Save(dit, Path.Combine(dir, InspectJob.DitFile));
        manual_seed(7);
        using (var vae = new WanVae(WanVaeConfig.Wan21))
            WanTestPthWriter.Write(Path.Combine(dir, InspectJob.VaeFile), vae.state_dict().Select(kv => (kv.Key, kv.Value)));

        var inspect = InspectJob.Run(dir);
        Assert.True(inspect.Complete, inspect.Summary);
    }
}
