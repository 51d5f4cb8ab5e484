using System.Text.Json;
using Jano.Engine.Jobs;
using Jano.Models.Wan.TextEncoder;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>A tiny folder in the official Wan2.1-T2V layout: the tiny DiT fixture and its config.json, a seeded tiny umT5
/// written as a torch zip .pth, the tiny VAE .pth and the test SentencePiece model.</summary>
internal static class WanTinyFolder
{
    public static string Create(string root, string name = "Wan2.1-T2V-tiny")
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(Path.Combine(dir, "google", "umt5-xxl"));
        File.WriteAllText(Path.Combine(dir, InspectJob.ConfigFile), JsonSerializer.Serialize(WanFixtures.TinyConfig));
        File.Copy(WanFixtures.PathOf("dit-tiny.safetensors"), Path.Combine(dir, InspectJob.DitFile));
        File.Copy(WanFixtures.PathOf("vae-tiny.pth"), Path.Combine(dir, InspectJob.VaeFile));
        File.Copy(WanFixtures.PathOf("spm-tiny.model"), Path.Combine(dir, "google", "umt5-xxl", "spiece.model"));
        manual_seed(11);
        using (var t5 = new UmT5Encoder(UmT5Config.Tiny with { Vocab = 569 }))
            WanTestPthWriter.Write(Path.Combine(dir, InspectJob.T5File), t5.state_dict().Select(kv => (kv.Key, kv.Value)));
        return dir;
    }
}
