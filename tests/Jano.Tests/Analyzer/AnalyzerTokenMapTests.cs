using Jano.Acceleration.JanoMethod;
using Xunit;

namespace Jano.Tests.Analyzer;

/// <summary><see cref="TokenLevelMap"/>: painting, majority vote, clipping and token order (spec §1.6).</summary>
public class AnalyzerTokenMapTests
{
    [Theory]
    [InlineData(3, 2, new[] { 3, 2, 2 })]
    [InlineData(2, 3, new[] { 2, 2, 3 })]
    [InlineData(1, 3, new[] { 1, 1, 3 })]
    [InlineData(3, 1, new[] { 3, 1, 1 })]
    public void TiesGoToTheLowestLevel(int left, int right, int[] expected)
    {
        // Latent H = 2, W = 6; blocks (1,2,3) -> grid (1,1,2); patch 1x2x2 -> 3 tokens, the middle one
        // has 2 cells in each block.
        var tokens = TokenLevelMap.Map([left, right], (1, 1, 2), [16, 1, 2, 6], (1, 2, 3), (1, 2, 2));
        Assert.Equal(expected, tokens);
    }

    [Fact]
    public void MajorityWins()
    {
        // Blocks (1,1,3) on H = 2, W = 6 -> grid (1,2,2). The middle token's cells fall in blocks
        // (0,0), (0,1), (1,0), (1,1) = 3, 1, 3, 2 -> level 3 by 2 votes to 1 and 1.
        var tokens = TokenLevelMap.Map([3, 1, 3, 2], (1, 2, 2), [4, 1, 2, 6], (1, 1, 3), (1, 2, 2));
        Assert.Equal(new[] { 3, 3, 1 }, tokens);
        // Level 1 wins 3:1 when three of four cells are static.
        Assert.Equal(new[] { 1, 1, 1 }, TokenLevelMap.Map([1, 3, 1, 1], (1, 2, 2), [4, 1, 2, 6], (1, 1, 3), (1, 2, 2)));
    }

    [Fact]
    public void EdgeBlocksAreClipped()
    {
        // T = 3 with bt = 2 and W = 6 with bw = 4: grid (2, 1, 2); the last frame and the last two columns
        // belong to clipped blocks.
        int[] levels = [1, 2, 3, 1]; // (t0,w0), (t0,w1), (t1,w0), (t1,w1)
        var tokens = TokenLevelMap.Map(levels, (2, 1, 2), [1, 3, 1, 6], (2, 1, 4), (1, 1, 2));
        Assert.Equal(new[] { 1, 1, 2, 1, 1, 2, 3, 3, 1 }, tokens);
    }

    [Fact]
    public void TokensFollowPatchEmbeddingOrder()
    {
        // One token per block: tokens must be (f, h, w) row-major, the same order as the blocks.
        int[] levels = [1, 2, 3, 3, 2, 1, 1, 1, 3, 2, 2, 3, 1, 3, 2, 1];
        var tokens = TokenLevelMap.Map(levels, (2, 2, 4), [16, 2, 4, 8], (1, 2, 2), (1, 2, 2));
        Assert.Equal(levels, tokens);

        // A patch spanning 2 frames and a block per cell: token (f, h, w) sees frames 2f, 2f+1.
        int[] cells = [1, 2, 3, 3, 2, 1, 3, 3]; // grid (4, 1, 2)
        var t2 = TokenLevelMap.Map(cells, (4, 1, 2), [1, 4, 1, 2], (1, 1, 1), (2, 1, 1));
        // tokens (f0,w0): frames 0,1 at w0 -> 1,3 tie -> 1; (f0,w1): 2,3 tie -> 2; (f1,w0): 2,3 -> 2; (f1,w1): 1,3 -> 1
        Assert.Equal(new[] { 1, 2, 2, 1 }, t2);
    }

    [Fact]
    public void GridMismatchIsAnError()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => TokenLevelMap.Map([1, 1], (1, 1, 2), [4, 1, 2, 8], (1, 2, 2), (1, 2, 2)));
        Assert.Contains("expected (1, 1, 4)", ex.Message);
    }

    [Fact]
    public void LatentNotMultipleOfPatchIsAnError()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => TokenLevelMap.Map([1, 1], (1, 1, 2), [4, 1, 3, 6], (1, 3, 3), (1, 2, 2)));
        Assert.Contains("multiple of the patch", ex.Message);
    }

    [Fact]
    public void LevelOutOfRangeIsAnError()
    {
        Assert.Throws<ArgumentException>(() => TokenLevelMap.Map([0, 1], (1, 1, 2), [4, 1, 2, 6], (1, 2, 3), (1, 2, 2)));
    }
}
