"""A master trainer filters the dashboard by a district and downloads the XLSX."""
import io

from openpyxl import load_workbook

from ..factories import PASSWORD, make_certifiable_batch, make_participant
from .conftest import CheckedPage, assert_accessible, screenshot, staff_login


def test_master_trainer_filters_by_district_and_downloads_xlsx(server, phone, browser, world):
    khulna_people = [make_participant(world.khulna, world.trainer, full_name=f"Khulna {i}") for i in range(6)]
    make_certifiable_batch(world.khulna, world.trainer, world.facilitator, khulna_people,
                           attended=[10, 10, 9, 8, 5, 10])
    jashore_people = [make_participant(world.jashore, world.trainer, full_name=f"Jashore {i}") for i in range(3)]
    make_certifiable_batch(world.jashore, world.trainer, world.other_facilitator, jashore_people)

    page = CheckedPage(browser.new_context(viewport={"width": 1280, "height": 900}).new_page())
    staff_login(page, server, "mtr", PASSWORD)
    page.goto(f"{server}/reports/")
    page.select_option("#district", "Khulna")
    with page.expect_navigation():
        page.click("#filter-show")
    assert "district=Khulna" in page.url
    figures = page.locator("#figures").inner_text()
    assert "6" in figures
    screenshot(page, "dashboard.png", full_page=False)
    with page.expect_download() as download:
        page.click("#export-xlsx")
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)
    assert "Participants" in " ".join(workbook.sheetnames) or len(workbook.sheetnames) >= 5
    participants_sheet = next(ws for ws in workbook.worksheets if "articipant" in ws.title)
    codes = [row[0] for row in participants_sheet.iter_rows(min_row=2, values_only=True) if row and row[0]]
    assert any(str(code).startswith("KHU-") for code in codes)
    assert not any(str(code).startswith("JAS-") for code in codes)  # the district filter holds
    assert not any("Khulna 1" in str(cell) for row in participants_sheet.iter_rows(values_only=True)
                   for cell in row)  # pseudonymous: no names
    page.context.close()
    assert_accessible(page)
