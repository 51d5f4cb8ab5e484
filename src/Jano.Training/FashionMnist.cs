namespace Jano.Training;

/// <summary>The Fashion-MNIST data set from Debian's <c>dataset-fashion-mnist</c> package (28x28 grey, 10 classes).</summary>
public sealed class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    private FashionMnist(byte[] images, byte[] labels, int count)
    {
        Images = images;
        Labels = labels;
        Count = count;
    }

    /// <summary>Pixels, 28·28 bytes per image.</summary>
    public byte[] Images { get; }

    public byte[] Labels { get; }

    public int Count { get; }

    public const int Side = 28;

    /// <summary>Loads the "train" or "t10k" split.</summary>
    public static FashionMnist Load(string directory, string split)
    {
        if (split is not ("train" or "t10k")) throw new ArgumentException($"unknown split '{split}'; valid: train, t10k");
        var images = Path.Combine(directory, $"{split}-images-idx3-ubyte.gz");
        var labels = Path.Combine(directory, $"{split}-labels-idx1-ubyte.gz");
        if (!File.Exists(images) || !File.Exists(labels))
            throw new FileNotFoundException($"Fashion-MNIST not found in {directory}; run scripts/setup.sh (it installs Debian's dataset-fashion-mnist)");
        var (idims, ibytes) = IdxFile.Read(images);
        var (ldims, lbytes) = IdxFile.Read(labels);
        if (idims.Length != 3 || idims[1] != Side || idims[2] != Side || ldims.Length != 1 || ldims[0] != idims[0])
            throw new InvalidDataException($"{directory}: unexpected Fashion-MNIST shapes");
        return new FashionMnist(ibytes, lbytes, idims[0]);
    }

    /// <summary>A data set from raw arrays (28·28 bytes per image, labels 0..9), e.g. tiny synthetic sets in tests.</summary>
    /// <exception cref="ArgumentException">The array lengths disagree or a label is outside 0..9.</exception>
    public static FashionMnist FromArrays(byte[] images, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.LongLength != (long)labels.Length * Side * Side)
            throw new ArgumentException($"{images.LongLength} pixel bytes for {labels.Length} labels; expected {labels.Length * Side * Side}", nameof(images));
        if (labels.Any(l => l > 9)) throw new ArgumentException("labels must be in 0..9", nameof(labels));
        return new FashionMnist(images, labels, labels.Length);
    }

    /// <summary>Image <paramref name="index"/> as intensities in [0, 1], row-major 28x28.</summary>
    public float[] Intensity(int index)
    {
        var r = new float[Side * Side];
        int o = index * Side * Side;
        for (int i = 0; i < r.Length; i++) r[i] = Images[o + i] / 255f;
        return r;
    }

    /// <summary>A new data set holding the items <paramref name="indices"/> (in that order), e.g. to split a split into disjoint halves.</summary>
    /// <exception cref="ArgumentException">An index is out of range.</exception>
    public FashionMnist Subset(IReadOnlyList<int> indices)
    {
        const int plane = Side * Side;
        var images = new byte[(long)indices.Count * plane];
        var labels = new byte[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int k = indices[i];
            if ((uint)k >= (uint)Count) throw new ArgumentException($"index {k} is outside the data set (0..{Count - 1})");
            Array.Copy(Images, (long)k * plane, images, (long)i * plane, plane);
            labels[i] = Labels[k];
        }
        return new FashionMnist(images, labels, indices.Count);
    }

    /// <summary>Indices of every item of each class.</summary>
    public int[][] ByClass()
    {
        var lists = Enumerable.Range(0, 10).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < Count; i++) lists[Labels[i]].Add(i);
        return lists.Select(l => l.ToArray()).ToArray();
    }
}
