"""CRM and Excel exports import with no flags: names, company, country and size all arrive."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from bot.core.stages import Stage
from bot.intake.csvimport import ImportSummary, import_text
from bot.intake.csvtext import decode
from bot.playbook.model import Playbook
from store.db import session_factory, session_scope
from store.models import Lead
from tests.bot import crm_exports
from tests.bot.crm_exports import exported
from tests.conftest import NOW


def load(engine: Engine, playbook: Playbook, raw: bytes, **options: str) -> ImportSummary:
    """Import the bytes of a file the way `leadbot import` reads them."""
    return import_text(
        decode(raw, "export.csv", options.pop("encoding", None)),
        session_factory=session_factory(engine),
        playbook=playbook,
        now=NOW,
        source="list",
        **options,
    )


def stored(engine: Engine) -> dict[str, tuple[object, ...]]:
    """email -> (name, company, title, country, company_size, stage) of every stored lead."""
    with session_scope(session_factory(engine)) as session:
        return {
            lead.email: (
                lead.name,
                lead.company,
                lead.title,
                lead.country,
                lead.company_size,
                lead.stage,
            )
            for lead in session.exec(select(Lead)).all()
        }


def test_hubspot_export_keeps_names_country_and_size(engine, playbook) -> None:
    raw = exported(crm_exports.HUBSPOT, bom=True, crlf=True)
    summary = load(engine, playbook, raw)
    assert (summary.created, summary.rejected) == (3, [])
    assert stored(engine) == {
        "greta.maier@bigcorp-industries.de": (
            "Greta Maier",
            "BigCorp Industries",
            "VP Operations",
            "DE",
            1001,
            Stage.SALES_READY,
        ),
        "tom@brightlabs.co.uk": (
            "Tom Hughes",
            "Bright Labs",
            "Data Analyst",
            "GB",
            51,
            Stage.NURTURE,
        ),
        "ana@solarfarm.com.br": (
            "Ana Souza",
            "SolarFarm",
            "Head of Procurement",
            "BR",
            10001,
            Stage.NURTURE,
        ),
    }
    assert summary.ignored_columns == [
        "Record ID",
        "Lifecycle Stage",
        "Contact owner",
        "Create Date",
    ]


def test_hubspot_summary_shows_the_column_mapping_it_used(engine, playbook) -> None:
    summary = load(engine, playbook, exported(crm_exports.HUBSPOT, bom=True, crlf=True))
    assert (
        "columns: Email -> email, First Name + Last Name -> name, Company Name -> company, "
        "Job Title -> title, Phone Number -> phone, Country/Region -> country, "
        "Budget Status -> budget, Purchase Timeframe -> timeframe, "
        "Number of Employees -> company_size"
    ) in summary.render()


def test_salesforce_contact_report_with_its_footer(engine, playbook) -> None:
    summary = load(engine, playbook, exported(crm_exports.SALESFORCE_CONTACTS, crlf=True))
    assert (summary.created, summary.rejected) == (2, [])
    assert stored(engine) == {
        "lena.berg@nordlicht.se": (
            "Lena Berg",
            "Nordlicht AB",
            "Chief Technology Officer",
            "SE",
            1200,
            Stage.NURTURE,
        ),
        "carlos.ruiz@tierrafoods.mx": (
            "Carlos Ruiz",
            "Tierra Foods",
            "Marketing Manager",
            "MX",
            350,
            Stage.NURTURE,
        ),
    }


def test_salesforce_lead_report(engine, playbook) -> None:
    summary = load(engine, playbook, exported(crm_exports.SALESFORCE_LEADS))
    assert (summary.created, summary.rejected) == (2, [])
    lena = stored(engine)["lena.berg@nordlicht.se"]
    assert lena[:5] == ("Lena Berg", "Nordlicht AB", "Chief Technology Officer", "SE", 1200)


def test_pipedrive_export_takes_the_full_name_and_falls_back_to_the_home_email(
    engine, playbook
) -> None:
    summary = load(engine, playbook, exported(crm_exports.PIPEDRIVE))
    assert (summary.created, summary.rejected) == (2, [])
    assert stored(engine) == {
        "jonas.weber@weber-logistik.de": (
            "Jonas Weber",
            "Weber Logistik GmbH",
            "Head of Operations",
            "DE",
            250,
            Stage.NURTURE,
        ),
        "priya.nair@kappasystems.in": (
            "Priya Nair",
            "Kappa Systems",
            "CFO",
            "IN",
            1200,
            Stage.NURTURE,
        ),
    }
    assert "Person - Email - Work (else Person - Email - Home) -> email" in summary.render()


def test_marketo_export(engine, playbook) -> None:
    summary = load(engine, playbook, exported(crm_exports.MARKETO))
    assert (summary.created, summary.rejected) == (2, [])
    assert stored(engine)["sophie.martin@lumiere-sa.fr"] == (
        "Sophie Martin",
        "Lumière SA",
        "Directrice Marketing",
        "FR",
        800,
        Stage.NURTURE,
    )
    assert stored(engine)["luca.bianchi@fabbrica-nord.it"][3:5] == ("IT", 45)


def test_linkedin_lead_gen_export(engine, playbook) -> None:
    summary = load(engine, playbook, exported(crm_exports.LINKEDIN))
    assert (summary.created, summary.rejected) == (2, [])
    assert stored(engine) == {
        "kenji.watanabe@sakura-robotics.jp": (
            "Kenji Watanabe",
            "Sakura Robotics",
            "Chief Operating Officer",
            "JP",
            10001,
            Stage.NURTURE,
        ),
        "emma.clarke@kiwisoft.co.nz": (
            "Emma Clarke",
            "KiwiSoft",
            "Product Manager",
            "NZ",
            51,
            Stage.NURTURE,
        ),
    }


def test_semicolon_excel_file_with_bom_and_sep_line(engine, playbook) -> None:
    raw = exported(crm_exports.EXCEL_SEMICOLON, bom=True, crlf=True)
    summary = load(engine, playbook, raw)
    assert (summary.created, summary.rejected) == (2, [])
    assert stored(engine) == {
        "joerg.schaefer@stahlwerk-koeln.de": (
            "Jörg Schäfer",
            "Stahlwerk Köln AG",
            "Geschäftsführer",
            "DE",
            5200,
            Stage.SALES_READY,
        ),
        "ines.mueller@mueller-hansen.de": (
            "Inès Müller",
            "Müller, Hansen & Co. KG",
            "Einkauf",
            "AT",
            80,
            Stage.NURTURE,
        ),
    }


def test_sep_line_keeps_line_numbers_right(engine, playbook) -> None:
    text = "sep=;\nemail;country\nana@solarfarm.com.br;BR\nbad-address;DE\n"
    summary = load(engine, playbook, exported(text, bom=True))
    assert [line for line, _ in summary.rejected] == [4]


def test_semicolon_file_without_a_sep_line(engine, playbook) -> None:
    text = "Email;Full Name;Country\nana@solarfarm.com.br;Ana Souza;BR\n"
    summary = load(engine, playbook, exported(text, bom=True, crlf=True))
    assert summary.created == 1
    assert stored(engine)["ana@solarfarm.com.br"][:4] == ("Ana Souza", "", "", "BR")


def test_excel_unicode_text_is_utf16_and_tab_separated(engine, playbook) -> None:
    text = (
        "Email\tFirst Name\tLast Name\tCompany\tCountry\n"
        "ana@solarfarm.com.br\tAna\tSouza\tSão Sol\tBR\n"
    )
    raw = exported(text, encoding="utf-16-le", bom=True, crlf=True)
    summary = load(engine, playbook, raw)
    assert summary.created == 1
    assert stored(engine)["ana@solarfarm.com.br"][:4] == ("Ana Souza", "São Sol", "", "BR")


def test_forced_delimiter_wins_over_detection(engine, playbook) -> None:
    # As many commas as pipes in the header: detection picks the comma, --delimiter corrects it.
    text = "email|contact, name, or alias|country\nana@solarfarm.com.br|Souza, Ana|BR\n"
    summary = load(engine, playbook, exported(text), delimiter="|")
    assert summary.created == 1
    assert stored(engine)["ana@solarfarm.com.br"][3] == "BR"


def test_cp1252_file_reads_with_its_encoding_named(engine, playbook) -> None:
    text = "email,name\njoerg@stahlwerk-koeln.de,Jörg Schäfer\n"
    summary = load(engine, playbook, text.encode("cp1252"), encoding="cp1252")
    assert summary.created == 1
    assert stored(engine)["joerg@stahlwerk-koeln.de"][0] == "Jörg Schäfer"


def test_crm_export_reimported_changes_nothing(engine, playbook) -> None:
    raw = exported(crm_exports.HUBSPOT, bom=True, crlf=True)
    load(engine, playbook, raw)
    again = load(engine, playbook, raw)
    assert (again.created, again.merged, again.unchanged) == (0, 0, 3)
