namespace Jano;

/// <summary>Load-time settings of <see cref="JanoModel.Load(string, JanoLoadOptions?)"/>; per-call settings live in
/// <see cref="JanoRequest"/>.</summary>
public sealed record JanoLoadOptions
{
    /// <summary>Folder holding <c>models/NAME/model.safetensors</c> (and <c>calibration.json</c>, <c>classifiers/</c>) of the
    /// catalog models. Null: the first <c>assets/</c> folder with a <c>models/</c> or <c>classifiers/</c> subfolder found from
    /// the application's base directory upward (where the <c>Jano.Assets.FashionMnist</c> package copies them, or a
    /// checkout's <c>assets/</c>). A catalog model without weights there runs on seeded random weights
    /// (<see cref="JanoModel.WeightsSource"/> says which).</summary>
    public string? AssetsPath { get; init; }

    /// <summary><c>cpu</c> or <c>cuda</c> (needs a CUDA build of libtorch; see docs/library.md).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary><c>float32</c> or <c>bfloat16</c>; null: the model's default (float32; bfloat16 for a Wan2.1 folder).</summary>
    public string? DType { get; init; }

    /// <summary>libtorch's intra-op CPU threads, set at load (a process-wide libtorch setting); null keeps libtorch's default.
    /// Same seed, machine and thread count give identical output.</summary>
    public int? Threads { get; init; }
}
