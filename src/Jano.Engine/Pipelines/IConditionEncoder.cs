using static TorchSharp.torch;

namespace Jano.Engine.Pipelines;

/// <summary>Turns a prompt into the model's condition tensor (class ids, text embeddings).</summary>
public interface IConditionEncoder
{
    /// <summary>Condition for a prompt, batch 1 ([1] class ids or [1, L, D] embeddings). Throws <see cref="ArgumentException"/>
    /// with the valid prompts when the prompt is not accepted.</summary>
    Tensor Encode(string prompt);

    /// <summary>Condition of the unconditional (negative) branch, batch 1.</summary>
    Tensor EncodeUnconditional(string? negativePrompt);
}
