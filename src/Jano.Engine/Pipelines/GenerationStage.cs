namespace Jano.Engine.Pipelines;

/// <summary>Where a generation is: the pipeline's three stages, plus loading weights on first use.</summary>
public enum GenerationStage
{
    /// <summary>Encoding the condition (class ids, text embeddings).</summary>
    Encode,
    /// <summary>Loading the denoiser's weights (done lazily by pipelines that free the text encoder first).</summary>
    Load,
    /// <summary>The denoising loop; one report per finished step.</summary>
    Denoise,
    /// <summary>Decoding the latent into frames.</summary>
    Decode,
}
