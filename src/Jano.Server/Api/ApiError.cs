namespace Jano.Server.Api;

/// <summary>The body of every error answer.</summary>
public sealed record ApiError(string Error);
