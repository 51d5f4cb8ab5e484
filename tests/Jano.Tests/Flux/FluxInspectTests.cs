using Jano.Core.Weights;
using Jano.Engine.Jobs;
using Jano.Engine.Pipelines;
using Jano.Tests.Cli;
using Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary><c>jano inspect PATH</c> on FLUX.1 folders in both layouts: a complete folder, and each component missing or wrong.</summary>
public sealed class FluxInspectTests : IDisposable
{
    private readonly string _root = CliRunner.TempDir();

    private string Folder(bool diffusers) => FluxTestFolders.Write(Path.Combine(_root, diffusers ? "diffusers" : "official"), diffusers);

    [Theory]
    [InlineData(false, "FLUX.1", 7)]
    [InlineData(true, "FLUX.1 (Diffusers)", 8)]
    public void A_complete_folder_checks_every_component_by_header(bool diffusers, string layout, int items)
    {
        var dir = Folder(diffusers);
        Assert.True(FluxCheckpointLayout.Claims(dir));
        var report = InspectJob.Run(dir);
        Assert.Equal(layout, report.Layout);
        Assert.True(report.Complete, report.Summary);
        Assert.Equal(items, report.Items.Count);
        Assert.All(report.Items, i => Assert.Equal("ok", i.Status));
        var r = CliRunner.Run("inspect", dir);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"complete {layout} checkpoint", r.Stdout);
    }

    [Theory]
    [InlineData(false, "ae.safetensors", "ae.safetensors")]
    [InlineData(false, "openai/clip-vit-large-patch14/merges.txt", "openai/clip-vit-large-patch14/vocab.json, merges.txt")]
    [InlineData(false, "google/t5-v1_1-xxl/spiece.model", "google/t5-v1_1-xxl/spiece.model")]
    [InlineData(true, "vae/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors")]
    [InlineData(true, "text_encoder/model.safetensors", "text_encoder/model*.safetensors")]
    [InlineData(true, "transformer/config.json", "transformer/config.json")]
    public void A_missing_file_is_named(bool diffusers, string file, string item)
    {
        var dir = Folder(diffusers);
        File.Delete(Path.Combine(dir, file));
        var report = InspectJob.Run(dir);
        Assert.False(report.Complete);
        Assert.Contains(item, report.Missing);
        var r = CliRunner.Run("inspect", dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"missing {item}", r.LastErrorLine);
    }

    [Fact]
    public void A_missing_shard_and_a_wrong_shape_are_reported()
    {
        var dir = Folder(diffusers: true);
        File.Delete(Path.Combine(dir, "transformer", "diffusion_pytorch_model-00002-of-00002.safetensors"));
        var report = InspectJob.Run(dir);
        var item = report.Items.Single(i => i.Name == "transformer/diffusion_pytorch_model*.safetensors");
        Assert.Equal("missing", item.Status);
        Assert.Contains("00002-of-00002", item.Detail);

        var official = Folder(diffusers: false);
        string path = Path.Combine(official, "ae.safetensors");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var file = WeightLoader.OpenTensorFile(path))
            foreach (var e in file.Entries) tensors[e.Name] = file.Read(e.Name);
        var wrong = tensors["decoder.norm_out.weight"];
        tensors["decoder.norm_out.weight"] = torch.zeros(wrong.shape[0] + 1);
        wrong.Dispose();
        SafetensorsWriter.Save(path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
        report = InspectJob.Run(official);
        var vae = report.Items.Single(i => i.Name == "ae.safetensors");
        Assert.Equal("invalid", vae.Status);
        Assert.Contains("wrong shapes decoder.norm_out.weight", vae.Detail);
    }

    [Fact]
    public void A_wan_folder_is_not_claimed_by_flux()
    {
        var wan = Wan.WanTinyFolder.Create(_root);
        Assert.False(FluxCheckpointLayout.Claims(wan));
        Assert.Equal("Wan2.1-T2V", InspectJob.Run(wan).Layout);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
