using System.Text;
using Jano.Core.Weights;
using Xunit;

namespace Jano.Tests.Hostile;

/// <summary>Malformed and hostile safetensors files, in-process: each is refused with one <see cref="WeightFileException"/>
/// line naming the file and the problem (or, for the valid edge cases, read completely).</summary>
[Collection(HostileSuite.Name)]
public sealed class HostileSafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jano-hostile-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string T(string name, string dtype, string shape, string offsets) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":{offsets}}}";

    /// <summary>(case, file bytes, a fragment the refusal must contain; null: the file must load).</summary>
    public static readonly (string Name, Func<byte[]> Bytes, string? Expect)[] Cases =
    [
        ("empty file", () => [], "too short"),
        ("7 bytes", () => new byte[7], "too short"),
        ("header length past the end", () => HostileFiles.Safetensors("{}", [])[..8].Concat(Encoding.ASCII.GetBytes("{}")).ToArray().Also(b => b[0] = 200), "larger than the file"),
        ("header length 2^63", () => { var b = HostileFiles.Safetensors("{}", []); b[7] = 0x80; return b; }, "exceeds"),
        ("header length above the cap", () => { var b = HostileFiles.Safetensors("{}", []); b[3] = 0x10; return b; }, "exceeds the 100 MB limit"),
        ("header not UTF-8", () => HostileFiles.Safetensors([0x7b, 0xff, 0xfe, 0x7d], []), "not valid UTF-8"),
        ("header not JSON", () => HostileFiles.Safetensors("{\"a\":", []), "not valid JSON"),
        ("header a JSON array", () => HostileFiles.Safetensors("[1,2]", []), "not an object"),
        ("header nested 10000 deep", () => HostileFiles.Safetensors(new string('[', 10000) + new string(']', 10000), []), "not valid JSON"),
        ("duplicate key", () => HostileFiles.Safetensors("{" + T("a", "F32", "[1]", "[0,4]") + "," + T("a", "F32", "[1]", "[4,8]") + "}", new byte[8]), "twice"),
        ("metadata not an object", () => HostileFiles.Safetensors("{\"__metadata__\":[1]}", []), "__metadata__ is not a JSON object"),
        ("metadata value a number", () => HostileFiles.Safetensors("{\"__metadata__\":{\"k\":1}}", []), "is not a string"),
        ("tensor not an object", () => HostileFiles.Safetensors("{\"a\":5}", []), "is not a JSON object"),
        ("no dtype", () => HostileFiles.Safetensors("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "has no dtype"),
        ("unknown dtype", () => HostileFiles.Safetensors("{" + T("a", "F8_E4M3", "[1]", "[0,1]") + "}", new byte[1]), "unknown dtype"),
        ("dtype with ESC", () => HostileFiles.Safetensors("{" + T("a", "\\u001b[31mF32", "[1]", "[0,4]") + "}", new byte[4]), "\\u001b[31mF32"),
        ("negative dim", () => HostileFiles.Safetensors("{" + T("a", "F32", "[-1]", "[0,4]") + "}", new byte[4]), "non-negative integers"),
        ("fractional dim", () => HostileFiles.Safetensors("{" + T("a", "F32", "[1.5]", "[0,4]") + "}", new byte[4]), "non-negative integers"),
        ("dim beyond int64", () => HostileFiles.Safetensors("{" + T("a", "F32", "[99999999999999999999]", "[0,4]") + "}", new byte[4]), "non-negative integers"),
        ("shape a string", () => HostileFiles.Safetensors("{" + T("a", "F32", "\"2x2\"", "[0,16]") + "}", new byte[16]), "non-negative integers"),
        ("shape overflows int64", () => HostileFiles.Safetensors("{" + T("a", "F32", "[4294967296,4294967296]", "[0,4]") + "}", new byte[4]), "too large"),
        ("2^31 side with a zero side", () => HostileFiles.Safetensors("{" + T("a", "F32", "[0,2147483648]", "[0,0]") + "}", []), null),
        ("huge sides times zero", () => HostileFiles.Safetensors("{" + T("a", "F32", "[4611686018427387904,4611686018427387904,0]", "[0,0]") + "}", []), "too large"),
        ("33 dimensions", () => HostileFiles.Safetensors("{" + T("a", "U8", "[" + string.Join(",", Enumerable.Repeat(1, 33)) + "]", "[0,1]") + "}", new byte[1]), "33 dimensions"),
        ("offsets of three numbers", () => HostileFiles.Safetensors("{" + T("a", "F32", "[1]", "[0,4,8]") + "}", new byte[8]), "data_offsets"),
        ("begin after end", () => HostileFiles.Safetensors("{" + T("a", "F32", "[1]", "[8,4]") + "}", new byte[8]), "data_offsets"),
        ("offsets do not match the shape", () => HostileFiles.Safetensors("{" + T("a", "F32", "[2]", "[0,4]") + "}", new byte[8]), "do not match shape"),
        ("offsets past the end", () => HostileFiles.Safetensors("{" + T("a", "F32", "[2]", "[0,8]") + "}", new byte[4]), "extend past the end"),
        ("overlapping ranges", () => HostileFiles.Safetensors("{" + T("a", "F32", "[2]", "[0,8]") + "," + T("b", "F32", "[2]", "[4,12]") + "}", new byte[12]), "overlap"),
        ("range inside another", () => HostileFiles.Safetensors("{" + T("a", "F32", "[4]", "[0,16]") + "," + T("b", "F32", "[1]", "[4,8]") + "}", new byte[16]), "overlap"),
        ("NUL and ESC in a name", () => HostileFiles.Safetensors("{" + T("x\\u0000\\u001b[2J", "F32", "[2]", "[0,4]") + "}", new byte[4]), "x\\u0000\\u001b[2J"),
        ("bidi override in a name", () => HostileFiles.Safetensors("{" + T("evil\\u202egnp.exe", "F32", "[2]", "[0,4]") + "}", new byte[4]), "evil\\u202egnp.exe"),
        ("newline in a name", () => HostileFiles.Safetensors("{" + T("a\\nb", "F32", "[2]", "[0,4]") + "}", new byte[4]), "a\\u000ab"),
        ("valid file", HostileFiles.ValidSafetensors, null),
        ("valid header, out-of-order offsets", () => HostileFiles.Safetensors("{" + T("b", "F32", "[1]", "[4,8]") + "," + T("a", "F32", "[1]", "[0,4]") + "}", new byte[8]), null),
        ("header only, no tensors", () => HostileFiles.Safetensors("{}", []), null),
        ("data truncated after a valid header", () => HostileFiles.ValidSafetensors()[..^10], "extend past the end"),
    ];

    public static TheoryData<string> Names() => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_case_is_refused_with_one_line_naming_the_file_or_read_whole(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        string path = Path.Combine(_dir, "case.safetensors");
        File.WriteAllBytes(path, c.Bytes());
        var error = HostileBounds.Run(name, () => HostileLoad.ReadEverything(path));
        if (c.Expect is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.IsType<WeightFileException>(error);
            var line = HostileAssert.OneLine(error!, path);
            Assert.Contains(c.Expect, line, StringComparison.Ordinal);
        }
        Assert.Equal(["case.safetensors"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }
}
