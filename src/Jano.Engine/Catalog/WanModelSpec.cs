using Jano.Models.Wan;

namespace Jano.Engine.Catalog;

/// <summary>A Wan2.1 catalog entry: architecture, the official sampling defaults and the Jano preset. Weights are never
/// shipped; <c>jano generate --model PATH</c> takes a folder laid out like the official release.</summary>
public sealed record WanModelSpec
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required WanConfig Config { get; init; }
    /// <summary>Default width and height in pixels.</summary>
    public int Width { get; init; } = 832;
    public int Height { get; init; } = 480;
    /// <summary>Default frame count (4k+1).</summary>
    public int Frames { get; init; } = 81;
    public int Steps { get; init; } = 50;
    public double Shift { get; init; } = 5.0;
    public double Guidance { get; init; } = 5.0;
    /// <summary>Frames per second of written videos (<c>sample_fps</c>).</summary>
    public int Fps { get; init; } = 16;
    /// <summary>Jano options as <c>k=v,...</c>: the authors' Wan defaults.</summary>
    public string JanoPreset { get; init; } =
        "warmup_steps=6,cooldown_steps=4,analyze_block_size=7x6x8,static_thresh=0.2,static_interval=6,medium_thresh=0.6,medium_interval=3,t_weight=0.7,d_distance=1";
}
