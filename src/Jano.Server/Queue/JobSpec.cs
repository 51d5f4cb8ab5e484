using System.Text.Json.Serialization;

namespace Jano.Server.Queue;

/// <summary>What one job generates: a <see cref="JanoRequest"/> on a model the server or a worker holds, named by catalog
/// name or <c>--model-dir</c> folder name (never a path). Stored as JSON in the queue; nulls mean the model's defaults.</summary>
public sealed record JobSpec
{
    public required string Model { get; init; }

    public required string Prompt { get; init; }

    public string? NegativePrompt { get; init; }

    public long Seed { get; init; }

    public int? Steps { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public int? Frames { get; init; }

    public double? Guidance { get; init; }

    public double? Shift { get; init; }

    public string? Sampler { get; init; }

    /// <summary>Accelerator name (<c>none</c>, <c>jano</c>, ...).</summary>
    public string Accel { get; init; } = "none";

    /// <summary>Accelerator options <c>k=v,...</c>.</summary>
    public string? AccelOptions { get; init; }

    /// <summary>Also run full compute and report speedup, PSNR and SSIM (the job runs alone on its worker).</summary>
    public bool Compare { get; init; }

    /// <summary>The library request this job runs.</summary>
    public JanoRequest ToRequest() => new(Prompt)
    {
        NegativePrompt = NegativePrompt,
        Seed = Seed,
        Steps = Steps,
        Width = Width,
        Height = Height,
        Frames = Frames,
        Guidance = Guidance,
        Shift = Shift,
        Sampler = Sampler,
        Accelerator = Accel,
        AcceleratorOptions = AccelOptions,
        Compare = Compare,
    };

    /// <summary>The <c>jano generate</c> arguments that give this job's outputs (minus <c>--out</c>, <c>--threads</c>).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> GenerateArguments
    {
        get
        {
            var a = new List<string> { "--model", Model, "--prompt", Prompt, "--seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--accel", Accel };
            static string S(IFormattable v) => v.ToString(null, System.Globalization.CultureInfo.InvariantCulture);
            if (Steps is { } st) a.AddRange(["--steps", S(st)]);
            if (Width is { } w && Height is { } h) a.AddRange(["--size", $"{S(w)}x{S(h)}"]);
            if (Frames is { } f) a.AddRange(["--frames", S(f)]);
            if (Guidance is { } g) a.AddRange(["--guidance", S(g)]);
            if (Shift is { } sh) a.AddRange(["--shift", S(sh)]);
            if (Sampler is { } sa) a.AddRange(["--sampler", sa]);
            if (NegativePrompt is { } n) a.AddRange(["--negative-prompt", n]);
            if (AccelOptions is { } o) a.AddRange(["--accel-option", o]);
            if (Compare) a.Add("--compare");
            return a;
        }
    }
}
