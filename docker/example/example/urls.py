from django.urls import path

from shop import views

urlpatterns = [
    path("", views.index),
    path("slow/", views.slow),
    path("health/", views.health),
    path("health/deep/", views.health_deep),
    path("whoami/", views.whoami),
]
