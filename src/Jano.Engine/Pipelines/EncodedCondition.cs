using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>
/// The encoded condition of one prompt (stage 1 of a pipeline), reusable by every generation of that prompt (any seed,
/// accelerator or step count). Owns its tensors: the model's context of the conditional branch and, with classifier-free
/// guidance, of the unconditional one, each batch 1 (class ids [1], text embeddings [1, L, D]).
/// </summary>
public sealed class EncodedCondition : IDisposable
{
    public EncodedCondition(string prompt, string? negativePrompt, Tensor cond, Tensor? uncond)
    {
        Prompt = prompt;
        NegativePrompt = negativePrompt;
        Cond = cond;
        Uncond = uncond;
    }

    /// <summary>The prompt this condition encodes.</summary>
    public string Prompt { get; }

    /// <summary>The negative prompt it encodes (null: none, or the model's null class).</summary>
    public string? NegativePrompt { get; }

    /// <summary>Context of the conditional branch, batch 1.</summary>
    public Tensor Cond { get; }

    /// <summary>Context of the unconditional branch, batch 1 (null when encoded without guidance).</summary>
    public Tensor? Uncond { get; }

    /// <summary>A pooled text vector of the conditional branch, batch 1 ([1, P]; FLUX: CLIP's pooled output), owned like the
    /// contexts; null for models without one.</summary>
    public Tensor? Pooled { get; init; }

    /// <summary>True when this condition was encoded for <paramref name="settings"/>' prompts and guidance.</summary>
    public bool Fits(GenerationSettings settings) =>
        string.Equals(Prompt, settings.Prompt, StringComparison.Ordinal)
        && string.Equals(NegativePrompt, settings.NegativePrompt, StringComparison.Ordinal)
        && (!settings.Cfg || Uncond is not null);

    public void Dispose()
    {
        Cond.Dispose();
        Uncond?.Dispose();
        Pooled?.Dispose();
    }
}
