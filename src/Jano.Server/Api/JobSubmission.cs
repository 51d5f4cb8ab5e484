namespace Jano.Server.Api;

/// <summary>The body of <c>POST /api/jobs</c>. Unset fields take the model's defaults; give <see cref="Seed"/>, or
/// <see cref="Seeds"/> for one job per seed, or neither for a random seed.</summary>
public sealed record JobSubmission
{
    /// <summary>A model name from <c>GET /api/models</c> (never a path).</summary>
    public string? Model { get; init; }

    public string? Prompt { get; init; }

    public string? NegativePrompt { get; init; }

    public long? Seed { get; init; }

    public IReadOnlyList<long>? Seeds { get; init; }

    public int? Steps { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public int? Frames { get; init; }

    public double? Guidance { get; init; }

    public double? Shift { get; init; }

    public string? Sampler { get; init; }

    /// <summary>Accelerator (<c>GET /api/accelerators</c>); default <c>none</c>.</summary>
    public string? Accel { get; init; }

    /// <summary>Accelerator options <c>k=v,...</c>.</summary>
    public string? AccelOptions { get; init; }

    /// <summary>Also run full compute and report speedup, PSNR and SSIM.</summary>
    public bool Compare { get; init; }
}
