using Jano.Acceleration.JanoMethod;
using Jano.Core;
using Jano.Core.Options;
using Jano.Engine.Bench;
using Jano.Engine.Calibration;
using Jano.Engine.Catalog;
using Jano.Tests.Bench;
using Xunit;

namespace Jano.Tests.Calibration;

[Collection("Sequential")]
public class CalibrationTests
{
    [Fact]
    public void PolynomialFitRecoversAQuarticAndALine()
    {
        double[] c = [3.0, -2.0, 0.5, 0.25, 0.01];
        var x = Enumerable.Range(0, 40).Select(i => 0.005 + i * 0.01).ToArray();
        var y = x.Select(v => PolynomialFit.Evaluate(c, v)).ToArray();
        var fit = PolynomialFit.Fit(x, y, 4);
        for (int i = 0; i < c.Length; i++) Assert.Equal(c[i], fit[i], 6);
        var line = PolynomialFit.Fit([0.0, 1, 2, 3], [1.0, 3, 5, 7], 1);
        Assert.Equal(2.0, line[0], 10);
        Assert.Equal(1.0, line[1], 10);
        Assert.Throws<ArgumentException>(() => PolynomialFit.Fit([1.0, 2], [1.0, 2], 4));
    }

    [Fact]
    public void PsnrTableParsesValidatesAndDrivesTargetPsnr()
    {
        var o = new JanoOptions().With(OptionList.Parse("psnr_table=0:60;0.5:50;1:40,target_psnr=45"));
        Assert.Equal(3, o.PsnrTable!.Count);
        Assert.Equal(55.0, ThresholdTargeting.PredictedPsnr(0.25, o.PsnrTable), 9);
        Assert.Equal(32.0, ThresholdTargeting.PredictedPsnr(0.2), 9); // default table unchanged
        Assert.Contains(o.ToPairs(), p => p.Key == "psnr_table");
        Assert.Equal("psnr_table: skipped fractions must increase",
            Assert.Throws<UsageException>(() => new JanoOptions().With(OptionList.Parse("psnr_table=0:60;0:50"))).Message);
        Assert.Equal("psnr_table: PSNR must not increase with the skipped fraction",
            Assert.Throws<UsageException>(() => new JanoOptions().With(OptionList.Parse("psnr_table=0:40;0.5:50"))).Message);
        Assert.Equal("psnr_table needs at least 2 points (skipped:psnr;...)",
            Assert.Throws<UsageException>(() => new JanoOptions().With(OptionList.Parse("psnr_table=0:60"))).Message);

        // an optimistic calibrated table lets target_psnr skip more than the conservative default does
        var scores = Enumerable.Range(0, 64).Select(i => i / 64f).ToArray();
        var schedule = new JanoOptions().With(OptionList.Parse("warmup_steps=3,cooldown_steps=2,static_interval=6,medium_interval=3"));
        var byDefault = ThresholdTargeting.ForPsnr(scores, 30, schedule, 45);
        var calibrated = ThresholdTargeting.ForPsnr(scores, 30, schedule with { PsnrTable = o.PsnrTable }, 45);
        Assert.True(calibrated.Predicted > byDefault.Predicted + 0.1, $"{calibrated.Predicted} vs {byDefault.Predicted}");
    }

    [Fact]
    public void CalibrateWritesAFileThatTheCatalogLayersUnderTheUsersOptions()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"jano-cal-{Guid.NewGuid():N}");
        try
        {
            var catalog = new ModelCatalog(dir);
            var spec = BenchTinyTests.TinyEntry with { JanoPreset = BenchTinyTests.TinyEntry.JanoPreset + ",static_interval=4,medium_interval=2" };
            var c = CalibrateJob.Execute(new CalibrateOptions { Entry = spec, Prompts = 3, JanoPrompts = 1, Steps = 10, Threads = 1 }, catalog);
            var path = catalog.CalibrationPath(spec);
            Assert.True(File.Exists(path));
            Assert.Equal([9000L], c.Seeds);
            Assert.Equal(3 * 2 * 9, c.TeaCachePoints.Length); // 3 prompts x 2 branches x (steps - 1)
            Assert.Equal(10, c.MagRatios.Length);
            Assert.Equal(1.0, c.MagRatios[0]);
            Assert.All(c.MagRatios, r => Assert.True(r > 0));
            Assert.Equal(CalibrateJob.JanoPairs.Count, c.JanoRows.Length);
            Assert.All(c.JanoRows, r => Assert.InRange(r.Skipped, 0.0, 1.0));

            // the coefficients are a fit of the recorded points
            var coefficients = c.Options["teacache"]["coefficients=".Length..].Split(';').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.True(coefficients.Length is 5 or 2);
            var xs = c.TeaCachePoints.Select(p => p[0]).ToArray();
            var ys = c.TeaCachePoints.Select(p => p[1]).ToArray();
            Assert.Equal(coefficients, PolynomialFit.Fit(xs, ys, coefficients.Length - 1));

            // round trip, then the catalog applies it: calibration over defaults, the user's options over calibration
            var loaded = catalog.Calibration(spec)!;
            Assert.Equal(c.Options, loaded.Options);
            var tea = AcceleratorCatalog.Create("teacache", spec, null, loaded);
            Assert.Equal(c.Options["teacache"]["coefficients=".Length..], tea.Options.Single(p => p.Key == "coefficients").Value);
            var user = AcceleratorCatalog.Create("teacache", spec, "coefficients=1;0", loaded);
            Assert.Equal("1;0", user.Options.Single(p => p.Key == "coefficients").Value);
            var mag = AcceleratorCatalog.Create("magcache", spec, null, loaded);
            Assert.Equal(10, mag.Options.Single(p => p.Key == "mag_ratios").Value.Split(';').Length);
            var jano = AcceleratorCatalog.Create("jano", spec, "target_psnr=35", loaded);
            Assert.Contains(jano.Options, p => p.Key == "psnr_table");
            var combo = AcceleratorCatalog.Create("jano+teacache", spec, "rel_l1_thresh=0.1", loaded);
            Assert.Equal(tea.Options.Single(p => p.Key == "coefficients").Value, combo.Options.Single(p => p.Key == "coefficients").Value);

            File.WriteAllText(path, "{ not json");
            Assert.Contains("not a calibration file", Assert.Throws<InvalidDataException>(() => catalog.Calibration(spec)).Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AStepThatComputesNothingCostsTheEmptyStepCostNotTheOverhead()
    {
        Assert.Equal(ThresholdTargeting.EmptyStepCost, ThresholdTargeting.CheapStepCost(0.134, 0.0), 12);
        Assert.Equal(0.01, ThresholdTargeting.CheapStepCost(0.01, 0.0), 12);
        Assert.Equal(0.134 + 0.866 * 0.1, ThresholdTargeting.CheapStepCost(0.134, 0.1), 12);
        // all-static split under intervals 10/5 at 30 steps: full and level-3 steps cost 1, the level-1/2 steps almost nothing
        var o = new JanoOptions().With(OptionList.Parse("warmup_steps=3,cooldown_steps=2,static_interval=10,medium_interval=5,overhead=0.134"));
        var levels = InterleavedSchedule.All(30, o).ToArray();
        int full = levels.Count(l => l is 0 or 3), cheap = levels.Count(l => l is 1 or 2);
        Assert.Equal(30, full + cheap);
        Assert.True(cheap >= 20, $"{cheap} cheap steps");
        double predicted = ThresholdTargeting.PredictedSpeedup(30, o, (1.0, 0.0, 0.0));
        Assert.Equal(30 / (full + cheap * ThresholdTargeting.EmptyStepCost), predicted, 9);
    }

    [Fact]
    public void ParetoFrontDropsDominatedPointsAndInterpolates()
    {
        var front = BenchReport.Front([(1.5, 40.0), (2.0, 42.0), (3.0, 30.0), (2.5, 29.0)]);
        Assert.Equal([(1.0, 60.0), (2.0, 42.0), (3.0, 30.0)], front);
        Assert.Equal(36.0, BenchReport.At(front, 2.5)!.Value, 9);
        Assert.Null(BenchReport.At(front, 3.5));
        Assert.Equal(51.0, BenchReport.At(front, 1.5)!.Value, 9);
    }
}
