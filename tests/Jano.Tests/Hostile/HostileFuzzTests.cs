using Jano.Core.Weights;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Hostile;

/// <summary>
/// Fuzz pass with a fixed seed: random byte flips and truncations of a valid safetensors file and a valid torch.save
/// checkpoint. Every mutant either loads completely or is refused with one <see cref="WeightFileException"/> line that
/// names the file (no other exception type, no native frames or type names), within the suite's bounds, leaving no file.
/// </summary>
[Collection(HostileSuite.Name)]
public sealed class HostileFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Mutants per source file.</summary>
    public const int CasesPerFile = 150;

    private const int Seed = 20_250_611;

    private readonly string _dir = Directory.CreateTempSubdirectory("jano-hostile-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A mutant of <paramref name="source"/>: 1–8 flipped bytes, a truncation, or both.</summary>
    public static byte[] Mutate(byte[] source, Random random)
    {
        int kind = random.Next(3);
        var bytes = (byte[])source.Clone();
        if (kind != 1)
        {
            int flips = random.Next(1, 9);
            for (int i = 0; i < flips; i++) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
        }
        if (kind != 0) bytes = bytes[..random.Next(bytes.Length)];
        return bytes;
    }

    [Theory]
    [InlineData("safetensors")]
    [InlineData("pth")]
    public void Mutants_load_or_are_refused_with_one_line(string format)
    {
        var source = format == "pth" ? HostileFiles.ValidPth() : HostileFiles.ValidSafetensors();
        var random = new Random(Seed + format.Length);
        string path = Path.Combine(_dir, "mutant." + format);
        int loaded = 0, refused = 0;
        for (int i = 0; i < CasesPerFile; i++)
        {
            var bytes = Mutate(source, random);
            File.WriteAllBytes(path, bytes);
            string name = $"{format} mutant {i} ({bytes.Length} bytes)";
            var error = HostileBounds.Run(name, () => HostileLoad.ReadEverything(path));
            if (error is null)
            {
                loaded++;
            }
            else
            {
                Assert.True(error is WeightFileException, $"{name}: {error.GetType().Name}: {error.Message}");
                HostileAssert.OneLine(error, path);
                refused++;
            }
            Assert.Equal([Path.GetFileName(path)], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
        }
        output.WriteLine($"{format}: {CasesPerFile} mutants, {loaded} loaded, {refused} refused");
        Assert.True(refused > CasesPerFile / 2, $"too few mutants were refused ({refused}); the mutations are not reaching the checks");
    }
}
