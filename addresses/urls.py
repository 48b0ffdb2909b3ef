from django.urls import path

from addresses import views

app_name = "addresses"

urlpatterns = [
    path("", views.address_book, name="list"),
    path("new/", views.address_add, name="add"),
    path("<int:address_id>/edit/", views.address_edit, name="edit"),
    path("<int:address_id>/delete/", views.address_remove, name="delete"),
    path("<int:address_id>/default/", views.address_make_default, name="default"),
]
