// TEMPORARY: replaced by the analyzer branch before commit.
using static TorchSharp.torch;
namespace Jano.Acceleration.JanoMethod;
public sealed record AnalyzerSettings((int T, int H, int W) BlockSize, double TWeight = 0.7, double DStrength = 0.8, double DDistance = 1.0, bool Enhance = true, double StaticThresh = 0.2, double MediumThresh = 0.6);
public sealed class ComplexityAnalysis { public (int T, int H, int W) Grid { get; init; } public int[] Levels { get; init; } = []; public bool Degenerate { get; init; } }
public static class ComplexityAnalyzer {
    public static ComplexityAnalysis Analyze(Tensor f, AnalyzerSettings s) {
        var g = ((int)(f.shape[2] / s.BlockSize.T), (int)(f.shape[3] / s.BlockSize.H), (int)(f.shape[4] / s.BlockSize.W));
        int n = g.Item1 * g.Item2 * g.Item3; return new ComplexityAnalysis { Grid = g, Levels = Enumerable.Range(0, n).Select(i => i % 3 + 1).ToArray() }; }
}
public static class TokenLevelMap {
    public static int[] Map(int[] bl, (int T, int H, int W) grid, long[] ls, (int T, int H, int W) b, (int T, int H, int W) p) {
        int tt = (int)ls[1] / p.T, th = (int)ls[2] / p.H, tw = (int)ls[3] / p.W; var r = new int[tt * th * tw]; int i = 0;
        for (int f = 0; f < tt; f++) for (int h = 0; h < th; h++) for (int w = 0; w < tw; w++) r[i++] = bl[((f * p.T / b.T) * grid.H + (h * p.H / b.H)) * grid.W + (w * p.W / b.W)];
        return r; }
}
