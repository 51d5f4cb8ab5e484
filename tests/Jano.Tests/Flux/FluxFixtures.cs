using System.Globalization;
using System.Reflection;
using Jano.Core.Weights;
using Jano.Models.Flux;
using static TorchSharp.torch;

namespace Jano.Tests.Flux;

/// <summary>Fixtures written by scripts/fixtures/make_flux_fixtures.py (and make_flux_text_fixtures.py) from the official code.</summary>
internal static class FluxFixtures
{
    /// <summary>The script's TINY: dev-like (guidance embedding), 2 double and 2 single blocks of width 32.</summary>
    public static FluxConfig TinyConfig { get; } = new()
    {
        InChannels = 64, OutChannels = 64, VecInDim = 16, ContextInDim = 24, HiddenSize = 32, MlpRatio = 2.0, NumHeads = 2,
        Depth = 2, DepthSingleBlocks = 2, AxesDim = [4, 6, 6], Theta = 10_000, QkvBias = true, GuidanceEmbed = true, T5MaxLength = 5,
    };

    public static string Directory
    {
        get
        {
            var root = typeof(FluxFixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "RepoRoot").Value!;
            return Path.Combine(root, "tests", "fixtures", "flux");
        }
    }

    public static string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>The tiny model with the fixture weights, in eval mode.</summary>
    public static FluxModel TinyModel(FluxConfig? cfg = null)
    {
        var model = new FluxModel(cfg ?? TinyConfig);
        FluxFixtureWeights.Fill(model);
        model.eval();
        return model;
    }

    /// <summary>Reads one tensor of a fixture file (a new CPU tensor).</summary>
    public static Tensor Read(string file, string name)
    {
        using var f = SafetensorsFile.Open(PathOf(file));
        return f.Read(name);
    }

    /// <summary>"key\tdim,dim,…" lines → key → shape.</summary>
    public static Dictionary<string, long[]> Keys(string file)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(PathOf(file)).Where(l => l.Length > 0))
        {
            var parts = line.Split('\t');
            result.Add(parts[0], parts[1].Length == 0 ? [] : parts[1].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        }
        return result;
    }
}
