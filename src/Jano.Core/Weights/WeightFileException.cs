namespace Jano.Core.Weights;

/// <summary>
/// A weight file is malformed, or its tensors do not fit the model they are loaded into.
/// The message is always a single line that names the file (where there is one) and the problem.
/// </summary>
public sealed class WeightFileException : Exception
{
    /// <summary>Creates the exception; line breaks in <paramref name="message"/> are replaced by spaces.</summary>
    public WeightFileException(string message) : base(OneLine(message)) { }

    /// <summary>Creates the exception with the error that caused it; line breaks in <paramref name="message"/> are replaced by spaces.</summary>
    public WeightFileException(string message, Exception? innerException) : base(OneLine(message), innerException) { }

    private static string OneLine(string message) =>
        message.Replace("\r\n", " ").Replace('\r', ' ').Replace('\n', ' ');
}
