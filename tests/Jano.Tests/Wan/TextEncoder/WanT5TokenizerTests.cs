using System.Text.Json;
using Jano.Models.Wan.TextEncoder;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Wan.TextEncoder;

/// <summary>The C# umT5 tokenizer against python3-sentencepiece on the tiny unigram model of scripts/fixtures/make_spm_fixture.py.</summary>
public class WanT5TokenizerTests(ITestOutputHelper log)
{
    private sealed record Row(string text, string clean, int[] ids, int[] ids8, int[] mask8, string[] pieces);

    private static readonly Row[] Rows = JsonSerializer.Deserialize<Row[]>(
        File.ReadAllText(Wan.WanFixtures.PathOf("spm-tiny-expected.json")))!;

    private static UmT5Tokenizer Load(int textLen = 512) => UmT5Tokenizer.Load(Wan.WanFixtures.PathOf("spm-tiny.model"), textLen);

    public static TheoryData<int> Indices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Rows.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void CleaningMatchesWan(int i) => Assert.Equal(Rows[i].clean, WanPromptCleaner.Clean(Rows[i].text));

    [Theory]
    [MemberData(nameof(Indices))]
    public void IdsMatchSentencePiece(int i)
    {
        var tok = Load();
        var ids = tok.Encode(Rows[i].text);
        if (!ids.SequenceEqual(Rows[i].ids))
            log.WriteLine($"{Rows[i].clean}: expected [{string.Join(",", Rows[i].ids)}] got [{string.Join(",", ids)}]");
        Assert.Equal(Rows[i].ids, ids);
    }

    [Fact]
    public void FixtureIsNotTrivial()
    {
        // multi-character pieces, byte-fallback pieces and a truncated row are all exercised
        Assert.True(Rows.Length >= 20);
        Assert.Contains(Rows, r => r.pieces.Any(p => p.Length >= 4));
        Assert.Contains(Rows, r => r.pieces.Any(p => p.StartsWith("<0x", StringComparison.Ordinal)));
        Assert.Contains(Rows, r => r.ids.Length > 8);
        Assert.Contains(Rows, r => r.ids.Length == 1);
    }

    [Fact]
    public void BatchIsPaddedAndTruncatedLikeHuggingFace()
    {
        var tok = Load(textLen: 8);
        var (ids, mask) = tok.EncodeBatch(Rows.Select(r => r.text).ToArray());
        using (ids)
        using (mask)
        {
            Assert.Equal(new long[] { Rows.Length, 8 }, ids.shape);
            Assert.Equal(TorchSharp.torch.ScalarType.Int64, ids.dtype);
            var flatIds = ids.data<long>().ToArray();
            var flatMask = mask.data<long>().ToArray();
            for (int i = 0; i < Rows.Length; i++)
            {
                Assert.Equal(Rows[i].ids8.Select(v => (long)v), flatIds.Skip(i * 8).Take(8));
                Assert.Equal(Rows[i].mask8.Select(v => (long)v), flatMask.Skip(i * 8).Take(8));
            }
        }
    }

    [Fact]
    public void WanLengthIs512WithEosAndPadding()
    {
        var tok = Load();
        Assert.Equal((512, 0, 1), (tok.TextLen, tok.PadId, tok.EosId));
        var (ids, mask) = tok.EncodeBatch(["a red fox", "x"]);
        using (ids)
        using (mask)
        {
            Assert.Equal(new long[] { 2, 512 }, ids.shape);
            var m = mask.sum(1).data<long>().ToArray();
            int n = Rows.Single(r => r.text == "x").ids.Length;
            Assert.Equal([n, tok.Encode("a red fox").Length], [m[1], m[0]]);
            Assert.Equal(1L, ids[1, n - 1].item<long>());   // "x" → pieces, EOS, then padding
            Assert.Equal(0L, ids[1, n].item<long>());
            Assert.Equal(0L, ids[1, 511].item<long>());
        }
    }
}
