using System.Globalization;
using System.Reflection;
using Jano.Core.Weights;
using Jano.Models.Wan;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary>Fixtures written by scripts/fixtures/make_wan_fixtures.py from the official Wan2.1 code.</summary>
internal static class WanFixtures
{
    /// <summary>The tiny t2v config of dit-tiny.safetensors (the script's TINY).</summary>
    public static WanConfig TinyConfig { get; } = new()
    {
        PatchSize = [1, 2, 2], TextLen = 8, InDim = 16, Dim = 48, FfnDim = 96, FreqDim = 64, TextDim = 32, OutDim = 16,
        NumHeads = 2, NumLayers = 2,
    };

    /// <summary>Latent [C, T, H, W] of the tiny fixture: 3 frames of 8x8 → 48 tokens.</summary>
    public static long[] TinyLatent { get; } = [16, 3, 8, 8];

    public static string Directory
    {
        get
        {
            var root = typeof(WanFixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "RepoRoot").Value!;
            return Path.Combine(root, "tests", "fixtures", "wan");
        }
    }

    public static string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>The tiny model with the fixture's weights, loaded strictly, in eval mode.</summary>
    public static WanModel TinyModel()
    {
        var model = new WanModel(TinyConfig);
        WeightLoader.LoadInto(model, [PathOf("dit-tiny.safetensors")]);
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
            result.Add(parts[0], parts[1].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        }
        return result;
    }
}
