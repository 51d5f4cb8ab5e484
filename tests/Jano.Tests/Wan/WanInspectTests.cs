using System.Text.Json;
using Jano.Cli;
using Jano.Engine.Jobs;
using Xunit;

namespace Jano.Tests.Wan;

/// <summary><c>jano inspect</c> on a folder laid out like the Wan2.1-T2V release, with the tiny DiT fixture.</summary>
[Collection("Sequential")]
public sealed class WanInspectTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("jano-inspect-");

    public void Dispose() => _dir.Delete(true);

    private string At(string name) => Path.Combine(_dir.FullName, name);

    private void WriteConfig(int dim)
    {
        var json = JsonSerializer.SerializeToNode(WanFixtures.TinyConfig with { Dim = dim })!.AsObject();
        json["_class_name"] = "WanModel";
        json["model_type"] = "t2v";
        File.WriteAllText(At(InspectJob.ConfigFile), json.ToJsonString());
    }

    private void MakeDitOnly()
    {
        WriteConfig(WanFixtures.TinyConfig.Dim);
        File.Copy(WanFixtures.PathOf("dit-tiny.safetensors"), At(InspectJob.DitFile));
    }

    private void AddPlaceholders()
    {
        File.WriteAllBytes(At(InspectJob.T5File), []);
        File.WriteAllBytes(At(InspectJob.VaeFile), []);
        Directory.CreateDirectory(At(InspectJob.TokenizerFolder));
        File.WriteAllBytes(Path.Combine(At(InspectJob.TokenizerFolder), "spiece.model"), []);
    }

    private (int Code, string Err) Cli()
    {
        var saved = Console.Error;
        var err = new StringWriter();
        try
        {
            Console.SetError(err);
            return (CliApp.Run(["inspect", _dir.FullName]), err.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Fact]
    public void Dit_only_folder_is_incomplete_and_names_what_is_missing()
    {
        MakeDitOnly();
        var report = InspectJob.Run(_dir.FullName);
        Assert.Equal("ok", report.Items.Single(i => i.Name.StartsWith("diffusion", StringComparison.Ordinal)).Status);
        Assert.Contains("match config.json", report.Items.Single(i => i.Name.StartsWith("diffusion", StringComparison.Ordinal)).Detail);
        Assert.Equal([InspectJob.T5File, InspectJob.VaeFile, InspectJob.TokenizerFolder], report.Missing);
        Assert.False(report.Complete);

        var (code, err) = Cli();
        Assert.Equal(1, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal($"jano: error: {_dir.FullName}: incomplete Wan2.1-T2V checkpoint: missing {InspectJob.T5File}, {InspectJob.VaeFile}, {InspectJob.TokenizerFolder}",
            lines[0].TrimEnd('\r'));
    }

    [Fact]
    public void Complete_folder_exits_zero()
    {
        MakeDitOnly();
        AddPlaceholders();
        var report = InspectJob.Run(_dir.FullName);
        Assert.True(report.Complete, report.Summary);
        Assert.Equal("placeholder", report.Items.Single(i => i.Name == InspectJob.VaeFile).Status);
        var (code, err) = Cli();
        Assert.Equal(0, code);
        Assert.Equal("", err);
    }

    [Fact]
    public void Dit_keys_that_do_not_fit_config_json_are_invalid()
    {
        MakeDitOnly();
        AddPlaceholders();
        WriteConfig(64); // the weights are dim 48
        var report = InspectJob.Run(_dir.FullName);
        var dit = report.Items.Single(i => i.Name.StartsWith("diffusion", StringComparison.Ordinal));
        Assert.Equal("invalid", dit.Status);
        Assert.Contains("wrong shapes", dit.Detail);
        Assert.Equal([dit.Name], report.Invalid);
        Assert.Equal(1, Cli().Code);
    }

    [Fact]
    public void Without_config_json_the_dit_is_checked_against_the_presets()
    {
        MakeDitOnly();
        File.Delete(At(InspectJob.ConfigFile));
        var report = InspectJob.Run(_dir.FullName);
        Assert.Contains(InspectJob.ConfigFile, report.Missing);
        var dit = report.Items.Single(i => i.Name.StartsWith("diffusion", StringComparison.Ordinal));
        Assert.Equal("invalid", dit.Status); // tiny weights fit neither preset
        Assert.Contains("1.3B preset", dit.Detail);
    }

    [Fact]
    public void Vae_pth_is_checked_against_the_released_vae_structure_and_pth_errors_are_reported()
    {
        MakeDitOnly();
        AddPlaceholders();
        File.Copy(WanFixtures.PathOf("vae-tiny.pth"), At(InspectJob.VaeFile), overwrite: true);
        var vae = InspectJob.Run(_dir.FullName).Items.Single(i => i.Name == InspectJob.VaeFile);
        Assert.Equal("ok", vae.Status); // tiny VAE: the released structure at dim 8 (the width is read from encoder.conv1)
        Assert.Contains("194 tensors (F32)", vae.Detail);
        Assert.Contains("structure at dim 8", vae.Detail);

        File.Copy(Path.Combine(Path.GetDirectoryName(WanFixtures.Directory)!, "pth", "plain.pth"), At(InspectJob.VaeFile), overwrite: true);
        vae = InspectJob.Run(_dir.FullName).Items.Single(i => i.Name == InspectJob.VaeFile);
        Assert.Equal("invalid", vae.Status); // not a VAE state_dict

        File.Copy(Path.Combine(Path.GetDirectoryName(WanFixtures.Directory)!, "pth", "malicious.pth"), At(InspectJob.T5File), overwrite: true);
        var t5 = InspectJob.Run(_dir.FullName).Items.Single(i => i.Name == InspectJob.T5File);
        Assert.Equal("invalid", t5.Status);
        Assert.Contains("refusing pickle global 'posix.system'", t5.Detail);
    }

    [Fact]
    public void Sharded_dit_with_index_is_read_by_header_and_missing_shards_are_named()
    {
        WriteConfig(WanFixtures.TinyConfig.Dim);
        AddPlaceholders();
        using (var model = WanFixtures.TinyModel())
        {
            var state = model.state_dict().ToList();
            int half = state.Count / 2;
            Jano.Core.Weights.SafetensorsWriter.Save(At("diffusion_pytorch_model-00001-of-00002.safetensors"),
                state.Take(half).ToDictionary(kv => kv.Key, kv => kv.Value));
            Jano.Core.Weights.SafetensorsWriter.Save(At("diffusion_pytorch_model-00002-of-00002.safetensors"),
                state.Skip(half).ToDictionary(kv => kv.Key, kv => kv.Value));
            var map = state.Select((kv, i) => (kv.Key, File: i < half ? "diffusion_pytorch_model-00001-of-00002.safetensors" : "diffusion_pytorch_model-00002-of-00002.safetensors"))
                .ToDictionary(p => p.Key, p => p.File);
            File.WriteAllText(At(InspectJob.DitIndex), JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
        }
        var dit = InspectJob.Run(_dir.FullName).Items.Single(i => i.Name.StartsWith("diffusion", StringComparison.Ordinal));
        Assert.Equal("ok", dit.Status);
        Assert.StartsWith("2 shards:", dit.Detail);
        Assert.Equal(0, Cli().Code);

        File.Delete(At("diffusion_pytorch_model-00002-of-00002.safetensors"));
        var report = InspectJob.Run(_dir.FullName);
        Assert.Equal([dit.Name], report.Missing);
        Assert.Contains("diffusion_pytorch_model-00002-of-00002.safetensors", report.Items.Single(i => i.Name == dit.Name).Detail);
        Assert.Equal(1, Cli().Code);
    }
}
