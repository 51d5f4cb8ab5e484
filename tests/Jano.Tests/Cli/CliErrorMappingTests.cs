using Jano.Cli;
using Jano.Core;
using Jano.Core.Weights;
using Jano.Engine.Catalog;
using Jano.Engine.Pipelines.Dit;
using Xunit;

namespace Jano.Tests.Cli;

[Collection("Sequential")]
public class CliErrorMappingTests
{
    [Fact]
    public void RuntimeFailuresExitOneUsageErrorsTwoAndInterruptsOneThirty()
    {
        var saved = Console.Error;
        try
        {
            var sw = new StringWriter();
            Console.SetError(sw);
            Assert.Equal(1, CliApp.Fail(new WeightFileException("model.safetensors: truncated\nsecond line")));
            Assert.Equal(2, CliApp.Fail(new UsageException("bad option")));
            Assert.Equal(130, CliApp.Fail(new OperationCanceledException()));
            // An ArgumentException is an internal bug, not the user's mistake: exit 1.
            Assert.Equal(1, CliApp.Fail(new ArgumentException("index must be positive")));
            var lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, lines.Length); // one line per failure, newlines folded
            Assert.Equal("jano: error: model.safetensors: truncated second line", lines[0]);
            Assert.Equal("jano: error: bad option", lines[1]);
            Assert.Equal("jano: error: interrupted", lines[2]);
            Assert.Equal("jano: error: internal error: index must be positive", lines[3]);
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Fact]
    public void TruncatedShippedWeightsFailBeforeAnyCompute()
    {
        var root = Path.Combine(Path.GetTempPath(), "jano-assets-" + Guid.NewGuid().ToString("N"));
        try
        {
            var catalog = new ModelCatalog(root);
            var spec = (DitModelEntry)catalog.Resolve("fmnist-image");
            Directory.CreateDirectory(Path.GetDirectoryName(spec.WeightsPath)!);
            File.WriteAllBytes(spec.WeightsPath, [1, 2, 3]);
            Assert.True(spec.HasWeights);
            var e = Assert.Throws<WeightFileException>(() => catalog.Load(spec, LoadOptions.CpuFloat32));
            Assert.Contains("model.safetensors", e.Message);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("Sneaker", 7)]
    [InlineData("T-SHIRT", 0)]
    [InlineData("top", 0)]
    [InlineData("t-shirt/top", 0)]
    [InlineData("ankle boot", 9)]
    [InlineData("cat", -1)]
    public void PromptsAreClassNamesMatchedCaseInsensitively(string prompt, int label) =>
        Assert.Equal(label, FashionMnistClasses.Lookup(prompt));
}
