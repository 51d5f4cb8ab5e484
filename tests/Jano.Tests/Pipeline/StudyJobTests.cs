using System.Text.Json;
using Jano.Engine.Catalog;
using Jano.Engine.Jobs;
using Xunit;

namespace Jano.Tests.Pipeline;

public class StudyJobTests
{
    [Fact]
    public void SectionThreeStudyWritesCorrelationAndRecognitionPerWarmupLength()
    {
        var root = Path.Combine(Path.GetTempPath(), "jano-study-" + Guid.NewGuid().ToString("N"));
        try
        {
            // an empty assets root: seeded random weights, so the numbers are meaningless but the mechanics are exercised
            var result = StudyJob.Run(new StudyOptions { Model = "fmnist-image", AnalyzerOptions = "t_weight=0", SamplesPerPrompt = 1, Steps = 8, OutDir = root }, new ModelCatalog(root));
            Assert.Equal(10, result.Generations);
            Assert.Equal(64, result.Blocks);
            Assert.Equal(10, result.SpearmanPerGeneration.Length);
            Assert.InRange(result.SpearmanPooled, -1, 1);
            Assert.Equal(Enumerable.Range(1, 4), result.Recognition.Select(r => r.WarmupSteps));
            Assert.All(result.Recognition, r => { Assert.InRange(r.AnalyzerAccuracy, 0, 1); Assert.InRange(r.FftAccuracy, 0, 1); });
            // FFT of the almost-final latent recognises the final complexity better than FFT of early latents
            Assert.True(result.Recognition[^1].FftAccuracy > result.Recognition[0].FftAccuracy);
            Assert.InRange(result.SpearmanP, 0, 1);
            Assert.InRange(result.SpearmanPooledP, 0, 1);
            // fmnist-image's preset (warm-up 3, cool-down 2) leaves steps 4..6 interleaved at 8 steps
            var stale = Assert.IsType<StudyResult.StaleErrorStudy>(result.StaleError);
            Assert.Equal(10, stale.Generations);
            Assert.Equal(3, stale.WarmupSteps);
            Assert.InRange(stale.AnalyzerSpearman, -1, 1);
            Assert.InRange(stale.OracleSpearman, -1, 1);
            Assert.InRange(stale.BestDecileErrorRatio, 0, 1);
            Assert.InRange(stale.StaticFraction, 0, 1);
            // the oracle's static blocks are the lowest-error ones: never worse than the analyzer's
            Assert.InRange(stale.OracleStaticErrorVsAnalyzer, 0, 1 + 1e-9);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "study.json")));
            Assert.True(doc.RootElement.GetProperty("stale_error").GetProperty("analyzer_spearman").ValueKind == JsonValueKind.Number);
            Assert.Equal("0", doc.RootElement.GetProperty("options").GetProperty("t_weight").GetString());
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
