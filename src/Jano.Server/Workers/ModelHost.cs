using Jano.Engine.Catalog;

namespace Jano.Server.Workers;

/// <summary>
/// The models one process holds, loaded once at start and kept loaded: catalog models by name, and checkpoint folders given
/// with <c>--model-dir</c>, named by their folder name. Requests name models only by these names, never by a path.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly Dictionary<string, JanoModel> _models;

    private ModelHost(Dictionary<string, JanoModel> models)
    {
        _models = models;
        Names = models.Keys.ToArray();
    }

    /// <summary>Loads <paramref name="catalogNames"/> (null: every catalog model whose weights are present under the assets
    /// folder) and each folder of <paramref name="modelDirs"/>.</summary>
    /// <exception cref="Core.UsageException">An unknown catalog name, a folder that is not a checkpoint folder, or two models
    /// with one name.</exception>
    public static ModelHost Load(IReadOnlyList<string>? catalogNames, IReadOnlyList<string> modelDirs, JanoLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelDirs);
        ArgumentNullException.ThrowIfNull(options);
        var catalog = new ModelCatalog(JanoModel.ResolveAssets(options));
        var names = catalogNames ?? ModelCatalog.Entries.Where(e => catalog.Bind(e).HasWeights).Select(e => e.Name).ToArray();
        var models = new Dictionary<string, JanoModel>(StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var name in names)
            {
                var entry = ModelCatalog.Find(name);
                if (models.ContainsKey(entry.Name)) continue;
                models[entry.Name] = JanoModel.Load(entry.Name, options);
            }
            foreach (var dir in modelDirs)
            {
                if (!Directory.Exists(dir)) throw new Core.UsageException($"--model-dir '{dir}': no such folder");
                string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
                if (models.ContainsKey(name)) throw new Core.UsageException($"--model-dir '{dir}': a model named '{name}' is already loaded");
                models[name] = JanoModel.Load(dir, options);
            }
        }
        catch
        {
            foreach (var m in models.Values) m.Dispose();
            throw;
        }
        return new ModelHost(models);
    }

    /// <summary>The names requests may use.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The model named <paramref name="name"/> (case-insensitive), or null.</summary>
    public JanoModel? Find(string name) => _models.GetValueOrDefault(name);

    /// <summary>The canonical spelling of <paramref name="name"/>, or null when not held.</summary>
    public string? Canonical(string name) => _models.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));

    public void Dispose()
    {
        foreach (var m in _models.Values) m.Dispose();
        _models.Clear();
    }
}
