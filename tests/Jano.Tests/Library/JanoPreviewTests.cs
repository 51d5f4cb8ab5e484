using Jano.Engine.Output;
using Xunit;

namespace Jano.Tests.Library;

/// <summary><see cref="JanoRequest.PreviewEvery"/> through the library on a shipped model: previews arrive with the
/// progress on the asked-for steps of every run of a comparison, the last one is the output, and the output does not change.</summary>
[Collection("Sequential")]
public sealed class JanoPreviewTests
{
    [Fact]
    public void Previews_arrive_every_n_steps_of_each_run_and_the_last_shows_the_output()
    {
        using var model = JanoModel.Load("fmnist-image");
        var request = new JanoRequest("sneaker") { Accelerator = "jano", Steps = 10, Seed = 5, Compare = true };
        using var plain = model.Generate(request);
        var reports = new List<JanoProgress>();
        using var previewed = model.Generate(request with { PreviewEvery = 4 }, new SyncProgress<JanoProgress>(reports.Add));

        var previews = reports.Where(p => p.Preview is not null).Select(p => (p.Phase, p.Step)).ToArray();
        Assert.Equal([("warm-up", 3), ("full 1/1", 4), ("full 1/1", 8), ("full 1/1", 10), ("jano 1/1", 4), ("jano 1/1", 8), ("jano 1/1", 10)], previews);
        Assert.All(previewed.Frames.Zip(plain.Frames), f => Assert.True(f.First.PixelsEqual(f.Second), "a run with previews made other frames"));
        Assert.All(previewed.BaselineFrames!.Zip(plain.BaselineFrames!), f => Assert.True(f.First.PixelsEqual(f.Second)));
        Assert.Equal(plain.Report.StepLevels, previewed.Report.StepLevels);

        // Euler's last step lands on the predicted x0, and a 32x32 image needs no shrinking: the last preview is the output.
        var last = reports.Last(p => p.Phase == "jano 1/1" && p.Preview is not null).Preview!;
        Assert.True(last.PixelsEqual(LevelMapRenderer.Montage(previewed.Frames, columns: 8)), "the last preview is not the output's frames");
        var lastFull = reports.Last(p => p.Phase == "full 1/1" && p.Preview is not null).Preview!;
        Assert.True(lastFull.PixelsEqual(LevelMapRenderer.Montage(previewed.BaselineFrames!, columns: 8)));
        var early = reports.First(p => p.Phase == "jano 1/1" && p.Preview is not null).Preview!;
        Assert.False(early.PixelsEqual(last));
    }
}
