using Jano.Training;

namespace Jano.Tests.Training;

/// <summary>A tiny synthetic Fashion-MNIST (two distinct blobs per class) so scene tests need no data set.</summary>
internal static class TrainingTestData
{
    public static FashionMnist TinyItems(int perClass = 2, int seed = 5)
    {
        const int plane = FashionMnist.Side * FashionMnist.Side;
        var rng = new Random(seed);
        int n = 10 * perClass;
        var images = new byte[n * plane];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 10);
            int x0 = 4 + rng.Next(6), y0 = 4 + rng.Next(6), w = 10 + rng.Next(8), h = 10 + rng.Next(8);
            for (int y = y0; y < Math.Min(28, y0 + h); y++)
            for (int x = x0; x < Math.Min(28, x0 + w); x++)
                images[i * plane + y * 28 + x] = (byte)(120 + rng.Next(136));
        }
        return FashionMnist.FromArrays(images, labels);
    }
}
