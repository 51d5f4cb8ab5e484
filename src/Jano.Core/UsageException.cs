namespace Jano.Core;

/// <summary>
/// The user asked for something the program cannot do as asked: an unknown option, name or value, a value out of its
/// range, an output folder that cannot be written. The CLI maps it (and only it, besides its own parse errors) to exit
/// status 2; every other exception is a runtime failure (exit 1), so an internal bug is never reported as a usage mistake.
/// The message is one line that names the option or input and says what is allowed.
/// </summary>
/// <remarks>Deliberately not an <see cref="ArgumentException"/>: an <see cref="ArgumentException"/> thrown by a broken
/// internal call must not look like a user's mistake.</remarks>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception; line breaks in <paramref name="message"/> are replaced by spaces.</summary>
    public UsageException(string message) : base(ErrorText.OneLine(message)) { }

    /// <summary>Creates the exception with the error that caused it; line breaks are replaced by spaces.</summary>
    public UsageException(string message, Exception? innerException) : base(ErrorText.OneLine(message), innerException) { }
}
