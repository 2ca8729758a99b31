from .views import custom, datasets, hits, runs

app_name = "analytics"
urlpatterns = (
    datasets.urlpatterns + runs.urlpatterns + hits.urlpatterns + custom.urlpatterns
)
