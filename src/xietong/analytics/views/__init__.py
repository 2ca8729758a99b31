"""Pages of the analytics app, one module per sub-domain (each with its ``urlpatterns``)."""
