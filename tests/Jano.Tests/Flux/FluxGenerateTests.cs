using System.Text.Json;
using Jano.Core;
using Jano.Core.Sampling;
using Jano.Engine.Catalog;
using Jano.Engine.Pipelines;
using Jano.Engine.Pipelines.Flux;
using Jano.Models.Flux;
using Jano.Tests.Cli;
using Xunit;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary><c>jano generate --model DIR</c> on a tiny random FLUX.1 folder in each layout (<see cref="FluxTestFolders"/>), with
/// and without Jano, and the pipeline's schedule, geometry and request checks.</summary>
public sealed class FluxGenerateTests : IDisposable
{
    private readonly string _root = CliRunner.TempDir();

    private static JsonElement Report(string outDir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json"))).RootElement;

    private string Folder(bool diffusers) => FluxTestFolders.Write(Path.Combine(_root, diffusers ? "diffusers" : "official"), diffusers);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Generate_on_a_tiny_folder_writes_an_image_with_none_and_with_jano_compare(bool diffusers)
    {
        var dir = Folder(diffusers);
        string outFull = Path.Combine(_root, "full"), outJano = Path.Combine(_root, "jano");
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "a photo of a cat", "--steps", "3", "--size", "32x24",
            "--threads", "1", "--accel", "none", "--out", outFull);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rep = Report(outFull);
        Assert.Equal(FluxModelEntry.CustomName, rep.GetProperty("model").GetString());
        Assert.Equal("euler", rep.GetProperty("sampler").GetString());
        Assert.Equal("bfloat16", rep.GetProperty("dtype").GetString());
        Assert.Equal(3.5, rep.GetProperty("guidance").GetDouble());
        Assert.Equal("32x24", rep.GetProperty("size").GetString());
        // one forward of all (32/8)·(24/8) = 12 image tokens per step: no unconditional branch
        Assert.Equal([12L, 12L, 12L], rep.GetProperty("tokens_per_step").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.True(File.Exists(Path.Combine(outFull, "output.png")));

        r = CliRunner.Run("generate", "--model", dir, "--prompt", "a photo of a cat", "--steps", "6", "--size", "32x32",
            "--threads", "1", "--dtype", "float32", "--accel", "jano", "--compare",
            "--accel-option", "warmup_steps=1,cooldown_steps=1,analyze_block_size=1x2x2,static_thresh=1000,medium_thresh=2000,static_interval=2,medium_interval=2",
            "--out", outJano);
        Assert.True(r.ExitCode == 0, r.Stderr);
        rep = Report(outJano);
        Assert.Equal("jano", rep.GetProperty("accel").GetString());
        var levels = rep.GetProperty("step_levels").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(6, levels.Length);
        Assert.Equal("full", levels[0]);
        Assert.Equal("full", levels[5]);
        Assert.Contains(levels, l => l != "full");
        Assert.InRange(rep.GetProperty("computed_token_fraction").GetDouble(), 0.0, 0.999);
        Assert.True(rep.TryGetProperty("psnr", out _));
        Assert.True(File.Exists(Path.Combine(outJano, "output.png")));
        Assert.True(File.Exists(Path.Combine(outJano, "baseline.png")));
    }

    [Fact]
    public void Both_layouts_generate_the_same_image()
    {
        // the Diffusers config implies T5 length 512 (dev); give the official folder the same so both run identical inputs
        var official = Folder(diffusers: false);
        File.WriteAllText(Path.Combine(official, "config.json"), JsonSerializer.Serialize(FluxTestFolders.Transformer with { T5MaxLength = 512 }));
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b");
        foreach (var (dir, outDir) in new[] { (official, a), (Folder(diffusers: true), b) })
        {
            var r = CliRunner.Run("generate", "--model", dir, "--prompt", "a red fox", "--steps", "2", "--size", "16x16",
                "--threads", "1", "--dtype", "float32", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "output.png")), File.ReadAllBytes(Path.Combine(b, "output.png")));
    }

    [Fact]
    public void The_pipeline_runs_dev_on_the_resolution_shift_with_embedded_guidance_and_decodes_an_image()
    {
        var entry = (FluxModelEntry)new ModelCatalog("assets").Resolve(Folder(diffusers: false));
        using var pipeline = (FluxPipeline)entry.CreatePipeline(LoadOptions.CpuFloat32);
        Assert.True(pipeline.EmbedsGuidance);
        var settings = pipeline.Resolve(new GenerationRequest { Prompt = "a cat", Steps = 4, Width = 32, Height = 16 });
        Assert.False(settings.Cfg);
        Assert.Equal([16L, 1, 4, 8], settings.LatentShape);
        var d = pipeline.Describe(settings);
        Assert.Equal((1, 2, 4), d.TokenGrid);                               // image tokens only: (1, H/16·2, W/16·2) at 4× VAE
        Assert.Equal(FluxTestFolders.Transformer.Depth + FluxTestFolders.Transformer.DepthSingleBlocks, d.Layers);
        Assert.Equal((1, 8, 8), pipeline.PixelsPerToken);
        using var condition = pipeline.EncodeCondition(settings);
        Assert.Equal([1L, 5, 24], condition.Cond.shape);                     // T5 length 5 from the official config.json
        Assert.Equal([1L, 16], condition.Pooled!.shape);
        var sigmas = new List<double>();
        using var result = pipeline.Denoise(settings, condition, new Core.Acceleration.NoAccelerator(),
            observe: (step, _, _) => sigmas.Add(step.Sigma));
        var expected = new ResolutionShiftSchedule().Build(4, 8).Sigmas;
        Assert.Equal(expected.Take(4), sigmas);
        using var image = pipeline.Decode(result.Latent);
        Assert.Equal([3L, 1, 16, 32], image.shape);
        using var lo = image.min();
        using var hi = image.max();
        Assert.InRange(lo.item<float>(), -1f, 1f);
        Assert.InRange(hi.item<float>(), -1f, 1f);
    }

    [Fact]
    public void Guidance_changes_the_dev_output_and_schnell_uses_the_unshifted_schedule()
    {
        var entry = (FluxModelEntry)new ModelCatalog("assets").Resolve(Folder(diffusers: false));
        using var pipeline = (FluxPipeline)entry.CreatePipeline(LoadOptions.CpuFloat32);
        Tensor Run(double guidance)
        {
            var s = pipeline.Resolve(new GenerationRequest { Prompt = "a cat", Steps = 2, Width = 16, Height = 16, Guidance = guidance });
            using var c = pipeline.EncodeCondition(s);
            using var r = pipeline.Denoise(s, c, new Core.Acceleration.NoAccelerator());
            return r.Latent.clone();
        }
        using var a = Run(3.5);
        using var b = Run(3.5);
        using var c = Run(7.0);
        Assert.True(TestModels.BitEqual(a, b));
        Assert.True(TestModels.MaxAbsDiff(a, c) > 1e-6);

        // schnell: the same folder without guidance_in and with config guidance_embed = false
        var schnellDir = Path.Combine(_root, "schnell");
        FluxTestFolders.Write(schnellDir, diffusers: false);
        var cfg = FluxTestFolders.Transformer with { GuidanceEmbed = false, T5MaxLength = 5 };
        File.WriteAllText(Path.Combine(schnellDir, "config.json"), JsonSerializer.Serialize(cfg));
        RemoveGuidance(Path.Combine(schnellDir, "flux1-dev.safetensors"));
        var sEntry = (FluxModelEntry)new ModelCatalog("assets").Resolve(schnellDir);
        Assert.Equal(4, sEntry.Defaults.Steps);
        using var schnell = (FluxPipeline)sEntry.CreatePipeline(LoadOptions.CpuFloat32);
        Assert.False(schnell.EmbedsGuidance);
        var ss = schnell.Resolve(new GenerationRequest { Prompt = "a cat", Width = 16, Height = 16 });
        Assert.Equal(4, ss.Steps);
        using var sc = schnell.EncodeCondition(ss);
        var sigmas = new List<double>();
        using var sr = schnell.Denoise(ss, sc, new Core.Acceleration.NoAccelerator(), observe: (step, _, _) => sigmas.Add(step.Sigma));
        Assert.Equal([1.0, 0.75, 0.5, 0.25], sigmas);
        Assert.Contains("no guidance", Assert.Throws<UsageException>(() => schnell.Resolve(new GenerationRequest { Prompt = "x", Guidance = 3.5, Width = 16, Height = 16 })).Message);
    }

    [Fact]
    public void Every_catalog_accelerator_runs_through_the_flux_pipeline()
    {
        var entry = (FluxModelEntry)new ModelCatalog("assets").Resolve(Folder(diffusers: false));
        using var pipeline = entry.CreatePipeline(LoadOptions.CpuFloat32);
        var settings = pipeline.Resolve(new GenerationRequest { Prompt = "a cat", Steps = 12, Width = 32, Height = 32 });
        using var condition = pipeline.EncodeCondition(settings);
        using var plain = pipeline.Denoise(settings, condition, new Core.Acceleration.NoAccelerator());
        var family = Contract.ContractFamily.Named("flux");
        foreach (var name in AcceleratorCatalog.Names)
        {
            var accel = Contract.ContractSettings.Acting(name, family);
            pipeline.CheckAccelerator(settings, accel);
            using var result = pipeline.Denoise(settings, condition, accel);
            Assert.Equal(12, result.Steps.Count);
            using var finite = result.Latent.isfinite().all();
            Assert.True(finite.item<bool>(), name);
            if (name == "none") Assert.True(TestModels.BitEqual(plain.Latent, result.Latent));
            if (name == "jano") Assert.Contains(result.Steps, s => s.TokensComputed < 16);
        }
    }

    [Fact]
    public void Requests_that_do_not_fit_are_one_line_usage_errors()
    {
        var dir = Folder(diffusers: false);
        var entry = (FluxModelEntry)new ModelCatalog("assets").Resolve(dir);
        using var pipeline = entry.CreatePipeline(LoadOptions.CpuFloat32);
        Assert.Contains("multiple of 8x8", Assert.Throws<UsageException>(() => pipeline.Resolve(new GenerationRequest { Prompt = "x", Width = 20, Height = 16 })).Message);
        Assert.Contains("must be 1", Assert.Throws<UsageException>(() => pipeline.Resolve(new GenerationRequest { Prompt = "x", Width = 16, Height = 16, Frames = 5 })).Message);
        Assert.Contains("--shift", Assert.Throws<UsageException>(() => pipeline.Resolve(new GenerationRequest { Prompt = "x", Width = 16, Height = 16, Shift = 3 })).Message);
        Assert.Contains("negative prompt", Assert.Throws<UsageException>(() => pipeline.Resolve(new GenerationRequest { Prompt = "x", NegativePrompt = "y", Width = 16, Height = 16 })).Message);
        Assert.Contains("unknown sampler", Assert.Throws<UsageException>(() => pipeline.Resolve(new GenerationRequest { Prompt = "x", Sampler = "unipc", Width = 16, Height = 16 })).Message);
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "x", "--size", "20x16", "--out", Path.Combine(_root, "o"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("multiple of 8x8", r.LastErrorLine);
    }

    [Fact]
    public void Catalog_lists_dev_and_schnell_with_defaults_presets_and_a_clear_error_without_weights()
    {
        var dev = (FluxModelEntry)ModelCatalog.Find("flux.1-dev");
        var schnell = (FluxModelEntry)ModelCatalog.Find("flux.1-schnell");
        Assert.Equal(FluxConfig.Dev, dev.Config);
        Assert.Equal(FluxConfig.Schnell, schnell.Config);
        Assert.Equal((50, 3.5, 1024, 1024), (dev.Defaults.Steps, dev.Defaults.Guidance, dev.Defaults.Width, dev.Defaults.Height));
        Assert.Equal((4, 1.0, 1024, 1024), (schnell.Defaults.Steps, schnell.Defaults.Guidance, schnell.Defaults.Width, schnell.Defaults.Height));
        Assert.Equal(ScalarType.BFloat16, dev.Defaults.DType);
        var o = AcceleratorCatalog.Create("jano", dev, null, null).Options.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(("7", "2", "1x8x8"), (o["warmup_steps"], o["cooldown_steps"], o["analyze_block_size"]));
        Assert.Equal(("0.2", "12", "0.4", "4"), (o["static_thresh"], o["static_interval"], o["medium_thresh"], o["medium_interval"]));
        Assert.Equal(("0", "2"), (o["t_weight"], o["d_distance"]));
        var tea = AcceleratorCatalog.Create("teacache", dev, null, null).Options.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("0.4", tea["rel_l1_thresh"]);
        Assert.StartsWith("498.65", tea["coefficients"], StringComparison.Ordinal);
        var user = AcceleratorCatalog.Create("teacache", dev, "rel_l1_thresh=0.25", null).Options.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("0.25", user["rel_l1_thresh"]);
        var wanTea = AcceleratorCatalog.Create("teacache", ModelCatalog.Find("wan2.1-t2v-1.3b"), null, null).Options.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("1;0", wanTea["coefficients"]);

        var e = Assert.Throws<UsageException>(() => dev.CreatePipeline(LoadOptions.Cpu));
        Assert.Contains("flux.1-dev: weights are not shipped", e.Message);
        var r = CliRunner.Run("generate", "--model", "flux.1-schnell", "--prompt", "x", "--out", Path.Combine(_root, "o"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("flux.1-schnell: weights are not shipped", r.LastErrorLine);
        var models = CliRunner.Run("models");
        Assert.Contains("flux.1-dev", models.Stdout);
        Assert.Contains("flux.1-schnell", models.Stdout);
    }

    [Fact]
    public void Generate_on_an_incomplete_folder_fails_before_compute_with_the_inspect_line()
    {
        var dir = Folder(diffusers: true);
        Directory.Delete(Path.Combine(dir, "tokenizer_2"), recursive: true);
        string outDir = Path.Combine(_root, "out");
        var r = CliRunner.Run("generate", "--model", dir, "--prompt", "x", "--steps", "2", "--size", "16x16", "--out", outDir);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"jano: error: {Path.GetFullPath(dir)}: incomplete FLUX.1 (Diffusers) checkpoint: missing tokenizer_2/spiece.model", r.LastErrorLine);
        Assert.False(Directory.Exists(outDir));
    }

    // Rewrites an official transformer file without the guidance embedder (a schnell-shaped checkpoint).
    private static void RemoveGuidance(string path)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var file = Core.Weights.WeightLoader.OpenTensorFile(path))
            foreach (var e in file.Entries.Where(e => !e.Name.StartsWith("guidance_in.", StringComparison.Ordinal)))
                tensors[e.Name] = file.Read(e.Name);
        Core.Weights.SafetensorsWriter.Save(path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
