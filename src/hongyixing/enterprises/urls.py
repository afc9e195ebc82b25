from django.urls import path

from hongyixing.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_new, name="new"),
    path("import/", views.enterprise_import, name="import"),
    path("<key:enterprise_id>/", views.enterprise_detail, name="enterprise"),
    path("<key:enterprise_id>/contacts/", views.contact_add, name="contact_add"),
    path("<key:enterprise_id>/filing/", views.filing_edit, name="filing_edit"),
    path("<key:enterprise_id>/staff/", views.staff_list, name="staff"),
    path("<key:enterprise_id>/claims/new/", views.claim_new, name="claim_new"),
    path("<key:enterprise_id>/problems/new/", views.problem_new, name="problem_new"),
    path("filings/", views.filing_list, name="filings"),
    path("filings/<key:filing_id>/", views.filing_detail, name="filing"),
    path("filings/<key:filing_id>/inspect/", views.filing_inspect, name="filing_inspect"),
    path("filings/<key:filing_id>/act/", views.filing_act, name="filing_act"),
    path("attachments/<key:attachment_id>/", views.attachment, name="attachment"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<key:claim_id>/", views.claim_detail, name="claim"),
    path("claims/<key:claim_id>/review/", views.claim_review, name="claim_review"),
    path("payments/", views.payments, name="payments"),
    path("payments/<key:batch_id>/export.xlsx", views.payment_export, name="payment_export"),
    path("payments/<key:batch_id>/paid/", views.payment_paid, name="payment_paid"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/<key:problem_id>/", views.problem_detail, name="problem"),
]
