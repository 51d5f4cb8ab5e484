using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>Turns a prompt into the model's condition tensor (class ids, text embeddings) for <see cref="Dit.DitPipeline"/>.</summary>
public interface IConditionEncoder
{
    /// <summary>Throws an <see cref="ArgumentException"/> with one line (naming the valid prompts where there is a list)
    /// when the prompt or negative prompt is not accepted.</summary>
    void CheckPrompt(string prompt, string? negativePrompt);

    /// <summary>Condition for a prompt, batch 1 ([1] class ids or [1, L, D] embeddings).</summary>
    Tensor Encode(string prompt);

    /// <summary>Condition of the unconditional (negative) branch, batch 1.</summary>
    Tensor EncodeUnconditional(string? negativePrompt);
}
