namespace Jano.Core.Acceleration;

/// <summary>What an accelerator may know about a model: sizes and token layout, never its type.</summary>
/// <param name="Family">Model family name (e.g. "dit", "wan2.1").</param>
/// <param name="Layers">Number of transformer blocks.</param>
/// <param name="HiddenSize">Token width.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="LatentShape">Latent [C, T, H, W].</param>
/// <param name="Patch">Patch size (pt, ph, pw).</param>
/// <param name="ContextTokens">Condition (text/class) tokens seen by cross-attention or joint attention.</param>
/// <param name="FfnSize">Hidden width of the MLP.</param>
public sealed record TransformerDescriptor(
    string Family,
    int Layers,
    int HiddenSize,
    int Heads,
    long[] LatentShape,
    (int T, int H, int W) Patch,
    int ContextTokens,
    int FfnSize)
{
    public int HeadDim => HiddenSize / Heads;

    /// <summary>Token grid (frames, rows, columns) after patch embedding.</summary>
    public (int T, int H, int W) TokenGrid =>
        ((int)LatentShape[1] / Patch.T, (int)LatentShape[2] / Patch.H, (int)LatentShape[3] / Patch.W);

    public int TokenCount => TokenGrid.T * TokenGrid.H * TokenGrid.W;
}
