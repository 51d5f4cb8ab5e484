namespace Jano.Training;

/// <summary>Fashion-MNIST images padded (black) from 28x28 to 32x32, scaled to [-1, 1]: latent [1, 1, 32, 32].</summary>
public sealed class ImageSource : ISampleSource
{
    private readonly FashionMnist _data;

    public ImageSource(FashionMnist data)
    {
        _data = data;
    }

    public const int Side = 32;

    public long[] Shape => [1, 1, Side, Side];

    public int NextSample(Random rng, Span<float> destination) => Write(rng.Next(_data.Count), destination);

    /// <summary>Writes item <paramref name="index"/>; returns its label.</summary>
    public int Write(int index, Span<float> destination)
    {
        destination.Fill(-1f);
        int pad = (Side - FashionMnist.Side) / 2;
        int o = index * FashionMnist.Side * FashionMnist.Side;
        for (int y = 0; y < FashionMnist.Side; y++)
        for (int x = 0; x < FashionMnist.Side; x++)
            destination[(y + pad) * Side + x + pad] = _data.Images[o + y * FashionMnist.Side + x] / 127.5f - 1f;
        return _data.Labels[index];
    }
}
