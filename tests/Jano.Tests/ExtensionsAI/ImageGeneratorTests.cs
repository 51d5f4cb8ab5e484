using Jano.Core;
using System.Drawing;
using Jano.Engine.Jobs;
using Jano.Engine.Output;
using Jano.Extensions.AI;
using Microsoft.Extensions.AI;
using Xunit;

namespace Jano.Tests.ExtensionsAI;

/// <summary>The Microsoft.Extensions.AI adapter, called through <see cref="IImageGenerator"/> only.</summary>
[Collection("Sequential")]
public sealed class ImageGeneratorTests : IDisposable
{
    private readonly IImageGenerator _generator = JanoModel.Load("fmnist-image").AsImageGenerator(ownsModel: true);

    public void Dispose() => _generator.Dispose();

    private static Frame8 Decode(DataContent content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"jano-meai-{Guid.NewGuid():N}.png");
        try
        {
            File.WriteAllBytes(path, content.Data.ToArray());
            return PngWriter.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ImageGenerationOptions Options(params (string Key, object? Value)[] properties)
    {
        var p = new AdditionalPropertiesDictionary();
        foreach (var (k, v) in properties) p[k] = v;
        return new ImageGenerationOptions { AdditionalProperties = p };
    }

    [Fact]
    public async Task A_prompt_gives_a_png_of_the_models_size()
    {
        var response = await _generator.GenerateImagesAsync("sneaker", Options(("steps", 4)));
        var content = Assert.IsType<DataContent>(Assert.Single(response.Contents));
        Assert.Equal("image/png", content.MediaType);
        var frame = Decode(content);
        Assert.Equal((32, 32), (frame.Width, frame.Height));
        Assert.Equal(42L, content.AdditionalProperties![JanoImageGenerator.SeedKey]);
        Assert.Equal("none", content.AdditionalProperties[JanoImageGenerator.AcceleratorKey]);
        var metadata = _generator.GetService<ImageGeneratorMetadata>();
        Assert.Equal("jano", metadata!.ProviderName);
        Assert.Equal("fmnist-image", metadata.DefaultModelId);
    }

    [Fact]
    public async Task Accelerator_settings_travel_through_additional_properties()
    {
        const string janoOptions = "warmup_steps=2,cooldown_steps=1,static_interval=3,medium_interval=2,static_thresh=0.3";
        var plain = await _generator.GenerateAsync(new ImageGenerationRequest("Sneaker"), Options(("steps", 10), ("seed", 3)));
        var jano = await _generator.GenerateAsync(new ImageGenerationRequest("Sneaker"),
            Options(("steps", "10"), ("seed", 3L), ("accelerator", "jano"), ("accelerator_options", janoOptions)));
        var asDictionary = await _generator.GenerateAsync(new ImageGenerationRequest("Sneaker"),
            Options(("steps", 10), ("seed", 3), ("accelerator", "jano"), ("accelerator_options", new Dictionary<string, object?>
            {
                ["warmup_steps"] = 2, ["cooldown_steps"] = 1, ["static_interval"] = 3, ["medium_interval"] = 2, ["static_thresh"] = 0.3,
            })));
        var report = Assert.IsType<GenerationReport>(Assert.Single((IEnumerable<object>)jano.RawRepresentation!));
        Assert.Equal("jano", report.Accel);
        Assert.Equal("0.3", report.Options["static_thresh"]);
        Assert.Equal(["full", "full", "L3", "L1", "L2", "L3", "L2", "L1", "L3", "full"], report.StepLevels);
        var plainReport = Assert.IsType<GenerationReport>(Assert.Single((IEnumerable<object>)plain.RawRepresentation!));
        Assert.All(plainReport.StepLevels, l => Assert.Equal("full", l));
        byte[] Bytes(ImageGenerationResponse r) => Assert.IsType<DataContent>(Assert.Single(r.Contents)).Data.ToArray();
        Assert.NotEqual(Bytes(plain), Bytes(jano));                 // Jano skipped work, so the pixels moved
        Assert.Equal(Bytes(jano), Bytes(asDictionary));            // the same options as text or as a dictionary
    }

    [Fact]
    public async Task Count_gives_consecutive_seeds_and_size_resizes()
    {
        var options = Options(("steps", 3), ("seed", 100));
        options.Count = 2;
        options.ImageSize = new Size(48, 32);
        var response = await _generator.GenerateAsync(new ImageGenerationRequest("bag"), options);
        Assert.Equal(2, response.Contents.Count);
        var a = Assert.IsType<DataContent>(response.Contents[0]);
        var b = Assert.IsType<DataContent>(response.Contents[1]);
        Assert.Equal(100L, a.AdditionalProperties![JanoImageGenerator.SeedKey]);
        Assert.Equal(101L, b.AdditionalProperties![JanoImageGenerator.SeedKey]);
        Assert.NotEqual(a.Data.ToArray(), b.Data.ToArray());
        var frame = Decode(a);
        Assert.Equal((48, 32), (frame.Width, frame.Height));
        var again = await _generator.GenerateAsync(new ImageGenerationRequest("bag"), Options(("steps", 3), ("seed", 101)));
        var single = Assert.IsType<DataContent>(Assert.Single(again.Contents));
        Assert.Equal(101L, single.AdditionalProperties![JanoImageGenerator.SeedKey]);
        Assert.NotEqual(a.Data.ToArray(), single.Data.ToArray()); // 32x32 default size vs 48x32 above
    }

    [Fact]
    public async Task Bad_options_are_one_line_errors_naming_them()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => _generator.GenerateAsync(new ImageGenerationRequest("bag"), Options(("steps", "many"))));
        Assert.Equal("additional property 'steps': expected an integer, got 'many'", e.Message);
        e = await Assert.ThrowsAsync<ArgumentException>(() => _generator.GenerateAsync(new ImageGenerationRequest("bag"),
            new ImageGenerationOptions { ModelId = "flux.1-dev" }));
        Assert.Contains("model 'flux.1-dev' is not loaded", e.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<UsageException>(() => _generator.GenerateAsync(new ImageGenerationRequest("bag"), Options(("accelerator", "fast"))));
        Assert.Contains("unknown accelerator 'fast'", unknown.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => _generator.GenerateAsync(new ImageGenerationRequest("bag"),
            new ImageGenerationOptions { MediaType = "image/jpeg" }));
        await Assert.ThrowsAsync<NotSupportedException>(() => _generator.GenerateAsync(new ImageGenerationRequest("bag"),
            new ImageGenerationOptions { ResponseFormat = ImageGenerationResponseFormat.Hosted }));
        // Keys meant for other generators are left alone.
        var ok = await _generator.GenerateAsync(new ImageGenerationRequest("bag"), Options(("steps", 2), ("quality", "hd")));
        Assert.Single(ok.Contents);
    }

    [Fact]
    public async Task Cancellation_reaches_the_model()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _generator.GenerateAsync(new ImageGenerationRequest("bag"), null, cts.Token));
    }
}
