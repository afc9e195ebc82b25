from django.urls import path

from hongyixing.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("contacts/", views.contacts, name="contacts"),
    path("forwarding/", views.forwarding, name="forwarding"),
    path("chains/", views.clusters, name="clusters"),
    path("persons/<key:person_id>/new/", views.case_new, name="new"),
    path("samples/<key:sample_id>/propose/", views.propose, name="propose"),
    path("<key:case_id>/", views.case_detail, name="case"),
    path("<key:case_id>/classify/", views.classify, name="classify"),
    path("<key:case_id>/edit/", views.update, name="update"),
    path("<key:case_id>/investigation/", views.investigation, name="investigation"),
    path("<key:case_id>/itinerary/", views.add_entry, name="add_entry"),
    path("<key:case_id>/contacts/", views.add_contact, name="add_contact"),
    path("<key:case_id>/contacts/judge/", views.judge, name="judge"),
    path("<key:case_id>/co-presence/", views.co_presence, name="co_presence"),
    path("<key:case_id>/chain/", views.chain_page, name="chain"),
    path("<key:case_id>/chain.xlsx", views.chain_export, name="chain_export"),
]
