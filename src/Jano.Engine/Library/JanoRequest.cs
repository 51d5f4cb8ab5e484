namespace Jano;

/// <summary>One generation: the prompt and everything that may differ from the model's defaults (nulls mean the
/// model's default, see <see cref="JanoModel.Info"/>). The fields match <c>jano generate</c>'s options, so the same
/// request and seed give the same pixels as the command.</summary>
/// <param name="Prompt">What to generate (for the Fashion-MNIST models a class name, see <see cref="JanoModelInfo.Prompts"/>).</param>
public sealed record JanoRequest(string Prompt)
{
    /// <summary>Accelerator name (<see cref="JanoModel.Accelerators"/>): <c>none</c>, <c>jano</c>, <c>jano+teacache</c>,
    /// <c>teacache</c>, <c>magcache</c>, <c>easycache</c>, <c>pab</c>, <c>toca</c> or <c>ras</c>.</summary>
    public string Accelerator { get; init; } = "none";

    /// <summary>Accelerator options as <c>k=v,...</c> over the method's defaults, the model's Jano preset and its
    /// calibration (e.g. <c>static_thresh=0.3,target_speedup=3</c>).</summary>
    public string? AcceleratorOptions { get; init; }

    /// <summary>Denoising steps.</summary>
    public int? Steps { get; init; }

    /// <summary>Seed of the initial noise (same seed, machine and thread count: identical output).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Classifier-free guidance scale (1 runs the conditional branch only).</summary>
    public double? Guidance { get; init; }

    /// <summary>Timestep shift.</summary>
    public double? Shift { get; init; }

    /// <summary>Width in pixels (give <see cref="Height"/> too).</summary>
    public int? Width { get; init; }

    /// <summary>Height in pixels (give <see cref="Width"/> too).</summary>
    public int? Height { get; init; }

    /// <summary>Frames (video models).</summary>
    public int? Frames { get; init; }

    /// <summary>Negative prompt (Wan2.1: its default negative prompt when null).</summary>
    public string? NegativePrompt { get; init; }

    /// <summary>Also run full compute (after an untimed 3-step warm-up, alternating with the accelerated runs) and report
    /// speedup, PSNR and SSIM against it.</summary>
    public bool Compare { get; init; }

    /// <summary>Timed runs; latencies are medians.</summary>
    public int Repeats { get; init; } = 1;

    /// <summary>Sampler (<c>euler</c> or <c>unipc</c>); null: the model's default (Euler for the catalog DiTs, UniPC for Wan2.1).</summary>
    public string? Sampler { get; init; }

    /// <summary>Run cond and uncond as one batch of 2 (false: two forwards); null: the model's default (batched; Wan2.1 one by one).</summary>
    public bool? BatchBranches { get; init; }

    /// <summary>Report a low-resolution preview of the picture as it forms (<see cref="JanoProgress.Preview"/>) every this
    /// many denoising steps and on each run's last step; 0 (the default, and what <c>jano generate</c> uses): none. The
    /// preview is the clean picture predicted at that step, decoded cheaply; its time is left out of every step and run
    /// timing, and it never changes the output.</summary>
    public int PreviewEvery { get; init; }
}
