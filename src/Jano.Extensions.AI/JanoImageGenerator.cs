using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Jano.Extensions.AI;

/// <summary>
/// <see cref="IImageGenerator"/> over a <see cref="JanoModel"/>: each request becomes a <see cref="JanoRequest"/> on the loaded
/// model (any catalog model or Wan2.1 folder), each generated image a <see cref="DataContent"/>.
/// </summary>
/// <remarks>
/// Mapping of <see cref="ImageGenerationOptions"/>: <see cref="ImageGenerationOptions.Count"/> images with seeds
/// <c>seed</c>, <c>seed + 1</c>, ...; <see cref="ImageGenerationOptions.ImageSize"/> is the width and height;
/// <see cref="ImageGenerationOptions.MediaType"/> <c>image/png</c> (default: the image, or a video's frames as a montage) or
/// <c>image/gif</c> (a video animated; needs ffmpeg); <see cref="ImageGenerationOptions.ResponseFormat"/> <c>Data</c> (the
/// default; <c>Uri</c> and <c>Hosted</c> are not supported); <see cref="ImageGenerationOptions.ModelId"/>, when given, must
/// name the loaded model; <see cref="ImageGenerationOptions.RawRepresentationFactory"/> may return a <see cref="JanoRequest"/>
/// used as the base of every image. <see cref="ImageGenerationOptions.AdditionalProperties"/> keys (the constants below;
/// others are left to other generators and ignored): <c>accelerator</c>, <c>accelerator_options</c> (<c>k=v,...</c> text or
/// a dictionary), <c>seed</c>, <c>steps</c>, <c>guidance</c>, <c>shift</c>, <c>frames</c>, <c>negative_prompt</c>,
/// <c>sampler</c>. Each content's <see cref="AIContent.AdditionalProperties"/> carries <c>seed</c>, <c>accelerator</c>,
/// <c>latency_s</c> and <c>computed_token_fraction</c>; the response's <see cref="ImageGenerationResponse.RawRepresentation"/>
/// is the list of <c>GenerationReport</c>s (what <c>report.json</c> holds).
/// </remarks>
public sealed class JanoImageGenerator : IImageGenerator
{
    public const string AcceleratorKey = "accelerator";
    public const string AcceleratorOptionsKey = "accelerator_options";
    public const string SeedKey = "seed";
    public const string StepsKey = "steps";
    public const string GuidanceKey = "guidance";
    public const string ShiftKey = "shift";
    public const string FramesKey = "frames";
    public const string NegativePromptKey = "negative_prompt";
    public const string SamplerKey = "sampler";

    private readonly JanoModel _model;
    private readonly bool _ownsModel;
    private readonly ImageGeneratorMetadata _metadata;

    /// <param name="model">The loaded model.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this generator.</param>
    public JanoImageGenerator(JanoModel model, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _ownsModel = ownsModel;
        _metadata = new ImageGeneratorMetadata("jano", providerUri: null, defaultModelId: model.Name);
    }

    public async Task<ImageGenerationResponse> GenerateAsync(ImageGenerationRequest request, ImageGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Prompt)) throw new ArgumentException("image generation request has no prompt", nameof(request));
        if (request.OriginalImages?.Any() == true) throw new NotSupportedException("Jano.NET generates from a prompt; editing original images is not supported");
        var (baseRequest, count, mediaType) = Map(request.Prompt, options);
        var contents = new List<AIContent>(count);
        var reports = new List<object>(count);
        for (int i = 0; i < count; i++)
        {
            var one = baseRequest with { Seed = baseRequest.Seed + i };
            using var result = await _model.GenerateAsync(one, progress: null, cancellationToken).ConfigureAwait(false);
            byte[] bytes = mediaType == "image/gif" ? Gif(result) : result.PngBytes();
            var content = new DataContent(bytes, mediaType)
            {
                AdditionalProperties = new AdditionalPropertiesDictionary
                {
                    [SeedKey] = one.Seed,
                    [AcceleratorKey] = result.Report.Accel,
                    ["latency_s"] = result.LatencySeconds,
                    ["computed_token_fraction"] = result.ComputedTokenFraction,
                },
            };
            contents.Add(content);
            reports.Add(result.Report);
        }
        return new ImageGenerationResponse(contents) { RawRepresentation = reports };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ImageGeneratorMetadata)) return _metadata;
        if (serviceType.IsInstanceOfType(_model)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }

    // Options → one JanoRequest (seed of the first image), the image count and the media type; bad values are one-line
    // ArgumentExceptions naming the option.
    private (JanoRequest Request, int Count, string MediaType) Map(string prompt, ImageGenerationOptions? o)
    {
        var r = (o?.RawRepresentationFactory?.Invoke(this) as JanoRequest ?? new JanoRequest(prompt)) with { Prompt = prompt };
        if (o is null) return (r, 1, "image/png");
        if (o.ModelId is { } id && !string.Equals(id, _model.Name, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"model '{id}' is not loaded; this generator serves '{_model.Name}'");
        int count = o.Count ?? 1;
        if (count < 1) throw new ArgumentException(FormattableString.Invariant($"image count ({count}) must be at least 1"));
        string mediaType = (o.MediaType ?? "image/png").ToLowerInvariant();
        if (mediaType is not ("image/png" or "image/gif"))
            throw new NotSupportedException($"media type '{o.MediaType}' is not supported; use image/png or image/gif");
        if (o.ResponseFormat is { } format && format != ImageGenerationResponseFormat.Data)
            throw new NotSupportedException($"response format {format} is not supported; Jano.NET returns the image data");
        if (o.ImageSize is { } size) r = r with { Width = size.Width, Height = size.Height };
        if (o.AdditionalProperties is { } p)
        {
            if (p.TryGetValue(AcceleratorKey, out var accel)) r = r with { Accelerator = Text(AcceleratorKey, accel) };
            if (p.TryGetValue(AcceleratorOptionsKey, out var opts)) r = r with { AcceleratorOptions = OptionText(opts) };
            if (p.TryGetValue(SeedKey, out var seed)) r = r with { Seed = Integer(SeedKey, seed) };
            if (p.TryGetValue(StepsKey, out var steps)) r = r with { Steps = checked((int)Integer(StepsKey, steps)) };
            if (p.TryGetValue(GuidanceKey, out var guidance)) r = r with { Guidance = Number(GuidanceKey, guidance) };
            if (p.TryGetValue(ShiftKey, out var shift)) r = r with { Shift = Number(ShiftKey, shift) };
            if (p.TryGetValue(FramesKey, out var frames)) r = r with { Frames = checked((int)Integer(FramesKey, frames)) };
            if (p.TryGetValue(NegativePromptKey, out var negative)) r = r with { NegativePrompt = Text(NegativePromptKey, negative) };
            if (p.TryGetValue(SamplerKey, out var sampler)) r = r with { Sampler = Text(SamplerKey, sampler) };
        }
        return (r, count, mediaType);
    }

    private static byte[] Gif(JanoResult result)
    {
        var path = Path.Combine(Path.GetTempPath(), $"jano-{Guid.NewGuid():N}.gif");
        try
        {
            result.SaveGif(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Text(string key, object? value) => value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        _ => throw new ArgumentException($"additional property '{key}': expected text, got {Describe(value)}"),
    };

    // "k=v,..." text, or a dictionary of option names to values (formatted invariantly).
    private static string OptionText(object? value) => value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement { ValueKind: JsonValueKind.Object } e => string.Join(",", e.EnumerateObject().Select(p => $"{p.Name}={Scalar(p.Value)}")),
        IEnumerable<KeyValuePair<string, object?>> d => string.Join(",", d.Select(kv => $"{kv.Key}={Scalar(kv.Value)}")),
        IEnumerable<KeyValuePair<string, string>> d => string.Join(",", d.Select(kv => $"{kv.Key}={kv.Value}")),
        _ => throw new ArgumentException($"additional property '{AcceleratorOptionsKey}': expected 'k=v,...' text or a dictionary, got {Describe(value)}"),
    };

    private static string Scalar(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };

    private static long Integer(string key, object? value)
    {
        switch (value)
        {
            case int i: return i;
            case long l: return l;
            case short s: return s;
            case byte b: return b;
            case uint u: return u;
            case JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var l): return l;
            case string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l): return l;
            case JsonElement { ValueKind: JsonValueKind.String } e when long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l): return l;
            default: throw new ArgumentException($"additional property '{key}': expected an integer, got {Describe(value)}");
        }
    }

    private static double Number(string key, object? value)
    {
        switch (value)
        {
            case double d: return d;
            case float f: return f;
            case decimal m: return (double)m;
            case int or long or short or byte or uint: return Convert.ToDouble(value, CultureInfo.InvariantCulture);
            case JsonElement { ValueKind: JsonValueKind.Number } e: return e.GetDouble();
            case string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d): return d;
            case JsonElement { ValueKind: JsonValueKind.String } e when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d): return d;
            default: throw new ArgumentException($"additional property '{key}': expected a number, got {Describe(value)}");
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        JsonElement e => $"{e.ValueKind} {e.GetRawText()}",
        _ => $"{value.GetType().Name} '{Scalar(value)}'",
    };
}
