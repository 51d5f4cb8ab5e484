using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Jano.Server.Api;

/// <summary>Error answers of the API: a status code and <c>{"error": "one line"}</c>.</summary>
public static class ApiErrors
{
    public static async Task Write(HttpContext context, int status, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new ApiError(message), ServerJson.Options)).ConfigureAwait(false);
    }

    public static IResult Result(int status, string message) => Results.Json(new ApiError(message), ServerJson.Options, statusCode: status);
}
