using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jano.Models.Wan.TextEncoder;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>
/// CLIP's tokenizer as FLUX calls it (Hugging Face <c>CLIPTokenizer</c> on <c>vocab.json</c> + <c>merges.txt</c>,
/// <c>max_length=77, padding="max_length", truncation=True</c>), following openai/CLIP's <c>simple_tokenizer</c>:
/// the prompt is cleaned (html.unescape twice, strip, whitespace runs to one space: <see cref="WanPromptCleaner.Clean"/>;
/// ftfy's fixes are not reproduced) and lower-cased, split by CLIP's pattern (<c>'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+</c>),
/// and each piece is byte-level BPE encoded with <c>&lt;/w&gt;</c> marking the word end — by Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/> (<c>ByteLevel</c>, <c>EndOfWordSuffix = "&lt;/w&gt;"</c>), run piece by piece. A row is
/// [&lt;|startoftext|&gt;] + at most 75 ids + [&lt;|endoftext|&gt;], padded to 77 with the pad token (tokenizer_config.json's
/// <c>pad_token</c> when given, else &lt;|endoftext|&gt;, as FLUX's tokenizer).
/// </summary>
public sealed partial class ClipTokenizer
{
    /// <summary>CLIP's start token.</summary>
    public const string StartToken = "<|startoftext|>";

    /// <summary>CLIP's end token.</summary>
    public const string EndToken = "<|endoftext|>";

    private readonly BpeTokenizer _bpe;

    private ClipTokenizer(BpeTokenizer bpe, int maxLength, int bos, int eos, int pad)
    {
        _bpe = bpe;
        MaxLength = maxLength;
        BosId = bos;
        EosId = eos;
        PadId = pad;
    }

    /// <summary>Row length (77).</summary>
    public int MaxLength { get; }

    public int BosId { get; }

    public int EosId { get; }

    public int PadId { get; }

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> from <paramref name="folder"/> (and <c>tokenizer_config.json</c>'s
    /// pad token when present).</summary>
    public static ClipTokenizer Load(string folder, int maxLength = 77)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), "max_length must be at least 2");
        string vocabPath = Path.Combine(folder, "vocab.json"), mergesPath = Path.Combine(folder, "merges.txt");
        foreach (var p in new[] { vocabPath, mergesPath })
            if (!File.Exists(p)) throw new FileNotFoundException($"CLIP tokenizer file not found: {p}", p);
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
            ?? throw new InvalidDataException($"{vocabPath}: empty vocabulary");
        int Id(string token) => vocab.TryGetValue(token, out var id) ? id : throw new InvalidDataException($"{vocabPath}: no {token} token");
        int bos = Id(StartToken), eos = Id(EndToken);
        int pad = eos;
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath) && PadToken(File.ReadAllText(configPath)) is { } padToken) pad = Id(padToken);

        var specials = new Dictionary<string, int>(StringComparer.Ordinal) { [StartToken] = bos, [EndToken] = eos };
        var options = new BpeOptions(vocab) { Merges = ReadMerges(mergesPath), ByteLevel = true, EndOfWordSuffix = "</w>", SpecialTokens = specials };
        var bpe = BpeTokenizer.Create(options);
        return new ClipTokenizer(bpe, maxLength, bos, eos, pad);
    }

    /// <summary>The ids of a prompt, without start/end tokens and untruncated.</summary>
    public IReadOnlyList<int> Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        string text = WanPromptCleaner.Clean(prompt).ToLowerInvariant();
        var ids = new List<int>();
        foreach (Match m in Pattern().Matches(text))
        {
            if (m.Value is StartToken) ids.Add(BosId);
            else if (m.Value is EndToken) ids.Add(EosId);
            else ids.AddRange(_bpe.EncodeToIds(m.Value, considerPreTokenization: false, considerNormalization: false));
        }
        return ids;
    }

    /// <summary>One 77-id row: start, at most MaxLength − 2 ids, end, padding.</summary>
    public int[] EncodeRow(string prompt)
    {
        var ids = Encode(prompt);
        var row = new int[MaxLength];
        int n = Math.Min(ids.Count, MaxLength - 2);
        row[0] = BosId;
        for (int i = 0; i < n; i++) row[i + 1] = ids[i];
        row[n + 1] = EosId;
        for (int i = n + 2; i < MaxLength; i++) row[i] = PadId;
        return row;
    }

    /// <summary>Rows for a batch: ids [B, MaxLength] int64 on the CPU (a new tensor).</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var ids = new long[prompts.Count * MaxLength];
        for (int b = 0; b < prompts.Count; b++)
        {
            var row = EncodeRow(prompts[b]);
            for (int i = 0; i < MaxLength; i++) ids[b * MaxLength + i] = row[i];
        }
        return tensor(ids, [prompts.Count, MaxLength]);
    }

    // merges.txt: a "#version" header, then "a b" per line.
    private static List<string> ReadMerges(string path)
    {
        var merges = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal)) continue;
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: line {merges.Count + 2} is not a merge pair"));
            merges.Add(line);
        }
        return merges;
    }

    private static string? PadToken(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("pad_token", out var p)) return null;
        return p.ValueKind switch
        {
            JsonValueKind.String => p.GetString(),
            JsonValueKind.Object when p.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => null,
        };
    }

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
