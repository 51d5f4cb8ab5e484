using static TorchSharp.torch;

namespace Jano.Core.Diffusion;

/// <summary>
/// What a denoising transformer is conditioned on, beyond the latent and the timestep. Each model reads the members it
/// needs and names a missing one in its error: the class-conditional DiT reads <see cref="ClassIds"/>, Wan reads
/// <see cref="TextEmbeddings"/>, a FLUX-style model reads <see cref="TextEmbeddings"/>, <see cref="PooledText"/>,
/// <see cref="Guidance"/> (guidance-distilled models) and optionally <see cref="TextIds"/> / <see cref="ImageIds"/>
/// (else it builds them as the official code does). Batch B is the latent's. The caller owns every tensor.
/// </summary>
public sealed record DiffusionCondition
{
    /// <summary>Class ids [B] (int64) of a class-conditional model.</summary>
    public Tensor? ClassIds { get; init; }

    /// <summary>Text encoder states [B, L, D] (Wan: umT5; FLUX: T5).</summary>
    public Tensor? TextEmbeddings { get; init; }

    /// <summary>Pooled text vector [B, P] (FLUX: CLIP's pooled output).</summary>
    public Tensor? PooledText { get; init; }

    /// <summary>Embedded guidance scale [B] (guidance-distilled models such as FLUX.1-dev).</summary>
    public Tensor? Guidance { get; init; }

    /// <summary>Position ids of the text tokens [B, L, 3] (FLUX: zeros).</summary>
    public Tensor? TextIds { get; init; }

    /// <summary>Position ids of the latent tokens [B, N, 3] (FLUX: (0, row, column) per packed token).</summary>
    public Tensor? ImageIds { get; init; }

    /// <summary>Where the model may keep what it derives from this condition and its weights for the rest of the run (null:
    /// recompute each call). The pipeline owns it.</summary>
    public ConditionCache? Cache { get; init; }

    /// <summary>The condition of a class-conditional model: class ids [B].</summary>
    public static DiffusionCondition ForClasses(Tensor classIds) => new() { ClassIds = classIds };

    /// <summary>The condition of a text-conditional model: text embeddings [B, L, D].</summary>
    public static DiffusionCondition ForText(Tensor textEmbeddings) => new() { TextEmbeddings = textEmbeddings };

    /// <summary>The member a model needs, or an <see cref="ArgumentException"/> naming it and the model.</summary>
    public static Tensor Require(Tensor? value, string member, string model) =>
        value ?? throw new ArgumentException($"{model} needs the condition's {member}");
}
