using Jano.Training;
using Jano.Training.Scenes;
using Xunit;

namespace Jano.Tests.Training;

public class SceneSourceTests
{
    private static float[] Clip(SceneSource source, int seed, out int label)
    {
        var buffer = new float[source.Shape.Aggregate(1L, (a, b) => a * b)];
        label = source.NextSample(new Random(seed), buffer);
        return buffer;
    }

    [Fact]
    public void SameSeedGivesTheSameClipAndOtherSeedsDiffer()
    {
        var source = new SceneSource(TrainingTestData.TinyItems(), SceneSplit.Train);
        Assert.Equal([3L, 8, 64, 64], source.Shape);
        var a = Clip(source, 3, out int la);
        var b = Clip(source, 3, out int lb);
        var c = Clip(source, 4, out _);
        Assert.Equal(la, lb);
        Assert.True(a.AsSpan().SequenceEqual(b));
        Assert.False(a.AsSpan().SequenceEqual(c));
        Assert.All(a, v => Assert.InRange(v, -1f, 1f));
        Assert.True(a.Max() - a.Min() > 0.5f, "a clip has contrast");
    }

    [Fact]
    public void RenderFrameEqualsTheClipsFrame()
    {
        var source = new SceneSource(TrainingTestData.TinyItems(), SceneSplit.Train);
        var clip = source.Draw(new Random(9), 4);
        int plane = 64 * 64;
        var all = new float[3 * 8 * plane];
        source.Render(clip, all);
        var frame = new float[3 * plane];
        source.RenderFrame(clip, 5, frame);
        for (int c = 0; c < 3; c++)
            Assert.True(frame.AsSpan(c * plane, plane).SequenceEqual(all.AsSpan((c * 8 + 5) * plane, plane)));
    }

    [Fact]
    public void BackgroundIsStaticAndTheItemMoves()
    {
        var source = new SceneSource(TrainingTestData.TinyItems(), SceneSplit.Train);
        var clip = source.Draw(new Random(21), 2) with { Vx = 1.2, Vy = 0.0 };
        int plane = 64 * 64;
        var pixels = new float[3 * 8 * plane];
        var alpha = new float[8 * plane];
        source.Render(clip, pixels, alpha);
        int uncovered = 0;
        for (int i = 0; i < plane; i++)
        {
            // a pixel no frame's item (or shadow, 2 px away) touches keeps its value in every frame
            bool near = false;
            for (int f = 0; f < 8 && !near; f++)
                for (int dy = -3; dy <= 3 && !near; dy++)
                for (int dx = -3; dx <= 3 && !near; dx++)
                {
                    int y = i / 64 + dy, x = i % 64 + dx;
                    if (x >= 0 && y >= 0 && x < 64 && y < 64 && alpha[f * plane + y * 64 + x] > 0) near = true;
                }
            if (near) continue;
            uncovered++;
            for (int c = 0; c < 3; c++)
            for (int f = 1; f < 8; f++)
                Assert.Equal(pixels[c * 8 * plane + i], pixels[(c * 8 + f) * plane + i]);
        }
        Assert.True(uncovered > plane / 4, $"only {uncovered} background pixels");
        Assert.False(alpha.AsSpan(0, plane).SequenceEqual(alpha.AsSpan(7 * plane, plane)), "the item moves");
    }

    [Fact]
    public void SplitsAreDisjointAndDrawsStayInTheirSplit()
    {
        Assert.True(SceneSplit.Train.IsDisjointFrom(SceneSplit.HeldOut));
        Assert.Equal("train", SceneSplit.Train.ImageSplit);
        Assert.Equal("t10k", SceneSplit.HeldOut.ImageSplit);
        Assert.False(SceneSplit.Train.IsDisjointFrom(SceneSplit.Train with { Name = "copy", ImageSplit = "x" }), "overlapping seeds");
        var items = TrainingTestData.TinyItems();
        foreach (var split in new[] { SceneSplit.Train, SceneSplit.HeldOut })
        {
            var source = new SceneSource(items, split);
            var other = split == SceneSplit.Train ? SceneSplit.HeldOut : SceneSplit.Train;
            var rng = new Random(1);
            var seen = new HashSet<int>();
            for (int i = 0; i < 2000; i++)
            {
                var clip = source.Draw(rng, rng.Next(10));
                Assert.True(split.ContainsBackground(clip.BackgroundSeed), $"{clip.BackgroundSeed} outside {split.Name}");
                Assert.False(other.ContainsBackground(clip.BackgroundSeed));
                Assert.Equal(clip.Label, items.Labels[clip.ItemIndex]);
                seen.Add(clip.BackgroundSeed);
            }
            Assert.True(seen.Count > 600, $"only {seen.Count} distinct backgrounds drawn");
        }
    }

    [Fact]
    public void LoadUsesTheSplitsFashionMnistFile()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "t10k-images-idx3-ubyte.gz"))) return;
        var train = SceneSource.Load(FashionMnist.DefaultDirectory, SceneSplit.Train);
        var heldOut = SceneSource.Load(FashionMnist.DefaultDirectory, SceneSplit.HeldOut);
        var rng = new Random(2);
        // the train split has 60,000 items, the test split 10,000: train draws reach past 10,000, held-out ones never do
        var trainIndices = Enumerable.Range(0, 200).Select(_ => train.Draw(rng, rng.Next(10)).ItemIndex).ToArray();
        var heldOutIndices = Enumerable.Range(0, 200).Select(_ => heldOut.Draw(rng, rng.Next(10)).ItemIndex).ToArray();
        Assert.Contains(trainIndices, i => i >= 10_000);
        Assert.All(heldOutIndices, i => Assert.InRange(i, 0, 9_999));
    }

    [Fact]
    public void BackgroundsHaveSmoothAndTexturedAreas()
    {
        for (int seed = 0; seed < 24; seed++)
        {
            var bg = SceneBackground.Render(seed, 64);
            Assert.True(bg.AsSpan().SequenceEqual(SceneBackground.Render(seed, 64)), "deterministic");
            int smooth = 0, textured = 0;
            for (int y = 1; y < 63; y++)
            for (int x = 1; x < 63; x++)
            {
                // smooth: no curvature (flat or a linear gradient); textured: a steep local change
                double g = 0, lap = 0;
                for (int c = 0; c < 3; c++)
                {
                    int i = c * 4096 + y * 64 + x;
                    g = Math.Max(g, Math.Max(Math.Abs(bg[i + 1] - bg[i - 1]), Math.Abs(bg[i + 64] - bg[i - 64])));
                    lap = Math.Max(lap, Math.Abs(4 * bg[i] - bg[i + 1] - bg[i - 1] - bg[i + 64] - bg[i - 64]));
                }
                if (lap < 0.01) smooth++;
                else if (g > 0.06) textured++;
            }
            Assert.True(smooth > 62 * 62 / 5, $"seed {seed}: {smooth} smooth pixels");
            Assert.True(textured > 62 * 62 / 20, $"seed {seed}: {textured} textured pixels");
        }
    }
}
